"""Placeholder replaced below."""


def register_with_reporting() -> None:
    return None
