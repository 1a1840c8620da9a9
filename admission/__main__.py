"""The ``admit`` console script (and ``python -m admission``): signals first, then the CLI.

Ctrl-C while click, pydantic and the rule engine were still being imported used to print a
Python traceback, and SIGTERM ended the process without any clean-up (``.tmp`` debris beside
the outputs). The handlers are installed before anything heavy is imported; see ``interrupts``.
Imports themselves hold the signals until they finish: pydantic builds its validators in Rust,
which turns an exception raised inside it (our ``Interrupted``) into a ``SchemaError`` and a
traceback. A signal during an import is delivered the moment the import is done.
"""

from __future__ import annotations

import gc
import os
import sys
import types

from admission.interrupts import exit_code_of, held_signals, install_signal_handlers

PLUGIN_LOADER = "pydantic.plugin._loader"


def skip_pydantic_plugins() -> None:
    """No pydantic plugin that happens to be installed sees the applications we validate.

    The environment variable alone stops pydantic looking for plugins (every installed package's
    entry points: 7% of ``check --json``), but its plugin loader still imports
    ``importlib.metadata`` (with ``email``, ``zipfile`` and ``socket``) to answer "none": 20-28 ms
    of a 200 ms ``check --json``. With plugins disabled that module's one function has a known
    answer, so it is given beforehand; pydantic imports it lazily, from ``sys.modules`` first.
    """
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    if os.environ["PYDANTIC_DISABLE_PLUGINS"] != "__all__" or PLUGIN_LOADER in sys.modules:
        return  # the user asked for plugins (or pydantic has loaded its own loader): leave it be
    loader = types.ModuleType(PLUGIN_LOADER, "pydantic's plugin loader when plugins are disabled")
    loader.get_plugins = lambda: ()  # type: ignore[attr-defined]
    sys.modules[PLUGIN_LOADER] = loader


def run() -> None:
    install_signal_handlers()
    # A command builds tens of thousands of small records and keeps them to the end: collecting the
    # young generation every 700 allocations then costs a third of a report over 50,000 projects.
    gc.set_threshold(50_000, 20, 20)
    skip_pydantic_plugins()
    try:
        with held_signals():  # an import is never interrupted half-way: see the module docstring
            from admission.cli import main

        main()
    except KeyboardInterrupt as interrupt:  # during start-up, before the commands' own handling
        sys.stderr.write("已中断。\n")
        sys.exit(exit_code_of(interrupt))


if __name__ == "__main__":
    run()
