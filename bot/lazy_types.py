"""Import aiogram with its Telegram types and methods validated only once they are used.

aiogram declares its ~300 Telegram types with `defer_build=True`, then `aiogram/types/__init__.py`
rebuilds every one of them at import to resolve their forward references (aiogram issue #1513):
about 100 MB and seconds of start-up for payments, stickers and games that a help desk never sees.
While that import runs, the rebuild is replaced by what it is for, making the names resolvable:
those its annotations name go into each type's module, and pydantic builds a type's schema when it
first validates one.
Its ~450 method models (sendMessage, ... and their generic forms) are not deferred at all: the base
class gets `defer_build` right after its module runs, before the methods subclass it. If aiogram is
already imported, or its internals change shape, nothing is patched: the models are then built at
import as aiogram intends, which costs memory, never correctness.
"""
from __future__ import annotations

import importlib.abc
import importlib.machinery
import re
import sys
from types import ModuleType
from typing import Any

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def import_aiogram() -> bool:
    """Import aiogram with lazily built types; False when they were built the usual way."""
    if "aiogram" in sys.modules:
        return False
    from pydantic import BaseModel

    original = BaseModel.__dict__.get("model_rebuild")
    if not isinstance(original, classmethod):
        import aiogram  # noqa: F401  (pydantic changed: import as it is)
        return False
    rebuild = original.__func__

    def resolve_later(cls: type[BaseModel], *args: Any, _types_namespace: dict[str, Any] | None = None,
                      **kwargs: Any) -> bool | None:
        module = sys.modules.get(cls.__module__)
        if args or kwargs or _types_namespace is None or module is None or not cls.__module__.startswith("aiogram."):
            return rebuild(cls, *args, _types_namespace=_types_namespace, **kwargs)
        # Only the names its annotations (and its bases', evaluated here too) use: all ~700 of them
        # in each of ~400 modules held 5 MB.
        names = vars(module)
        for annotation in (a for base in cls.__mro__ for a in vars(base).get("__annotations__", {}).values()):
            for word in _WORD.findall(annotation if isinstance(annotation, str) else repr(annotation)):
                if word in _types_namespace:
                    names.setdefault(word, _types_namespace[word])
        return None

    BaseModel.model_rebuild = classmethod(resolve_later)  # type: ignore[method-assign, assignment]
    finder = _DeferMethods()
    sys.meta_path.insert(0, finder)
    try:
        import aiogram.types  # noqa: F401
        import aiogram.methods  # noqa: F401
    finally:
        BaseModel.model_rebuild = original  # type: ignore[method-assign]
        sys.meta_path.remove(finder)
    return True


class _DeferMethods(importlib.abc.MetaPathFinder):
    """Sets `defer_build` on aiogram's TelegramMethod as soon as aiogram/methods/base.py has run."""

    def find_spec(self, name: str, path: Any, target: ModuleType | None = None) -> Any:
        if name != "aiogram.methods.base":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        loader = getattr(spec, "loader", None)
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        run = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            run(module)
            config = getattr(getattr(module, "TelegramMethod", None), "model_config", None)
            if isinstance(config, dict):
                config["defer_build"] = True

        loader.exec_module = exec_module  # this module's own loader, made for this spec
        return spec
