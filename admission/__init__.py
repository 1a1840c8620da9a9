"""admit: the project admission review engine (项目准入审查) of Jiangmen's joint review meeting."""

__version__ = "0.1.0"
