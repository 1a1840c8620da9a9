"""``admit serve`` and ``admit user …``: the web server and its accounts."""

from __future__ import annotations

import ipaddress
import os
import sys

import click

from admission.app import Admit
from admission.cli.options import by_option, json_option, uses_admit
from admission.cli.shell import AdmitGroup, command, emit_json, reports_errors
from admission.errors import UsageError
from admission.ledger.accounts import add_user, disable_user, enable_user, issue_token, list_users, set_password
from admission.text import safe

SECRET_ENV = "ADMIT_SESSION_SECRET"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@command()
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址（默认只在本机回环地址）。")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="监听端口。")
@click.option("--allow-remote", is_flag=True, help="允许在回环地址以外监听（应置于 HTTPS 反向代理之后）。")
@click.option("--forwarded-allow-ips", default=None, metavar="地址",
              help="信任哪些反向代理传来的 X-Forwarded-For（如 127.0.0.1）；默认不信任，登录限制按连接地址计算。")  # fmt: skip
@uses_admit(db=True, templates=True, fonts=True)
@reports_errors
def serve(admit: Admit, host: str, port: int, allow_remote: bool, forwarded_allow_ips: str | None) -> None:
    """启动网页端与 JSON 接口（系统管理员、审查员、区县专员、只读四种角色；账户用 admit user 管理）。

    默认只在 127.0.0.1 上监听：admit serve 本身不提供 HTTPS，对外服务请放在 nginx 等反向代理之后。
    会话签名密钥取环境变量 ADMIT_SESSION_SECRET（多进程或重启后保持登录时需要），否则每次启动随机生成。

    \b
    示例：
      admit serve --db admit.db
      admit serve --db postgresql://admit@127.0.0.1/admit --port 8080
    """
    if not is_loopback(host) and not allow_remote:
        raise UsageError(
            f"拒绝在 {host} 上监听：admit serve 不提供 HTTPS，口令和会话会以明文在网络上传输。"
            "请在本机回环地址监听并置于 nginx 等 HTTPS 反向代理之后；确需直接对外监听，请加 --allow-remote"
        )
    import uvicorn  # the server only: `admit user` and every other command do without it

    from admission.web.app import create_app

    secret = os.environ.get(SECRET_ENV)
    problem = secret_problem(secret) if secret is not None else None
    if problem:
        raise UsageError(problem)
    ledger = admit.ledger(create=True)
    app = create_app(admit, secret)
    shown = f"[{host}]" if ":" in host else host  # an IPv6 address in a URL is bracketed
    click.echo(f"admit serve：http://{shown}:{port}/ （台账 {ledger.where}；按 Ctrl-C 停止）", err=True)
    # A forwarded address is believed only from the proxies named: otherwise any client could
    # pick its own address and escape the sign-in limit.
    # A connection idle for 5 s between requests is closed (a slow client holds no worker for
    # long); the proxy's own read timeouts bound a request that is sent slowly (docs/web.md).
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False, date_header=False, timeout_keep_alive=5,
                proxy_headers=forwarded_allow_ips is not None, forwarded_allow_ips=forwarded_allow_ips or "")  # fmt: skip


MIN_SECRET_BYTES = 32


def secret_problem(secret: str) -> str | None:
    """Why a session secret is refused: shorter than 32 bytes, or plainly not random (a word, one
    character repeated), it can be guessed from a cookie and sessions forged."""
    raw = secret.encode("utf-8")
    if len(raw) < MIN_SECRET_BYTES or len(set(raw)) < 8:
        return (f"环境变量 {SECRET_ENV} 太弱：至少 {MIN_SECRET_BYTES} 字节的随机值（例如 openssl rand -hex 32 的输出），"
                "否则可从会话 Cookie 推出密钥并伪造登录")  # fmt: skip
    return None


@click.group(cls=AdmitGroup)
def user() -> None:
    """网页端账户：新建（系统管理员 admin、审查员 reviewer、区县专员 district、只读 viewer）、列出、设置密码、发放接口令牌、停用、启用。"""


@user.command("add")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice(["admin", "reviewer", "district", "viewer"]),
    required=True,
    help="角色：admin 系统管理员（只管理账户）、reviewer 审查员、district 区县专员、viewer 只读。",
)
@click.option("--district", default=None, help="区县专员所在区域。")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取密码（一行），供脚本使用；否则交互输入两次。")
@uses_admit(db=True)
@by_option
@reports_errors
def user_add(admit: Admit, name: str, role: str, district: str | None, password_stdin: bool, actor: str) -> None:
    """新建一个网页端账户；密码只以加盐慢哈希（argon2）保存。

    \b
    示例：
      admit user add 张三 --role reviewer
      echo "$PASSWORD" | admit user add 新会区专员 --role district --district 新会区 --password-stdin
    """
    password = read_password(password_stdin)
    created = add_user(admit.ledger(create=True), name, role, district, password, admit.rulebook.districts, actor)
    click.echo(f"已新建账户：{created.name}（{created.role_label}{'，' + created.district if created.district else ''}）")


def read_password(from_stdin: bool) -> str:
    """A password from standard input (one line, for scripts) or typed twice, never an argument."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(click.prompt("密码", hide_input=True, confirmation_prompt="再次输入密码"))


@user.command("password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取新密码（一行），供脚本使用；否则交互输入两次。")
@uses_admit(rules=False, db=True)
@by_option
@reports_errors
def user_password(admit: Admit, name: str, password_stdin: bool, actor: str) -> None:
    """为账户设置新密码（忘记密码时由管理员重置）；密码只以加盐慢哈希保存。

    \b
    示例：
      admit user password 张三
      echo "$PASSWORD" | admit user password 张三 --password-stdin
    """
    set_password(admit.ledger(), name, read_password(password_stdin), actor)
    click.echo(f"已为账户 {name} 设置新密码")


@user.command("enable")
@click.argument("name")
@uses_admit(rules=False, db=True)
@by_option
@reports_errors
def user_enable(admit: Admit, name: str, actor: str) -> None:
    """重新启用一个停用的账户。

    \b
    示例：
      admit user enable 张三
    """
    enable_user(admit.ledger(), name, actor)
    click.echo(f"已启用账户：{name}")


@user.command("list")
@json_option("以 JSON 输出账户清单（不含密码或令牌）。")
@uses_admit(rules=False, db=True)
@reports_errors
def user_list(admit: Admit, as_json: bool) -> None:
    """列出全部账户：角色、区域、是否停用、接口令牌数。

    \b
    示例：
      admit user list
      admit user list --json
    """
    accounts = list_users(admit.ledger())
    if as_json:
        emit_json(accounts)
        return
    for account in accounts:
        state = "（已停用）" if account["disabled"] else ""
        where = f"，{account['district']}" if account["district"] else ""
        click.echo(f"{safe(account['name'])}  {account['role_label']}{where}  接口令牌 {account['tokens']} 个{state}")


@user.command("token")
@click.argument("name")
@uses_admit(rules=False, db=True)
@by_option
@reports_errors
def user_token(admit: Admit, name: str, actor: str) -> None:
    """为账户发放一个新的接口访问令牌（只显示这一次，请妥善保存）。

    \b
    示例：
      admit user token 张三
    """
    token = issue_token(admit.ledger(), name, actor)
    click.echo(token)
    click.echo("（令牌只显示这一次；调用接口时放在请求头 Authorization: Bearer <令牌>）", err=True)


@user.command("disable")
@click.argument("name")
@uses_admit(rules=False, db=True)
@by_option
@reports_errors
def user_disable(admit: Admit, name: str, actor: str) -> None:
    """停用一个账户：其会话与令牌立即失效。

    \b
    示例：
      admit user disable 张三
    """
    disable_user(admit.ledger(), name, actor)
    click.echo(f"已停用账户：{name}")
