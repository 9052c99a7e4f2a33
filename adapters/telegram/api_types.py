"""Import aiogram without building a validator for every Bot API type up front.

aiogram declares its ~300 API types with pydantic's `defer_build`, then rebuilds every one
of them as `aiogram.types` is imported, only to resolve their forward references. Each
validator inlines the types it nests (an `Update` holds a `Message` holds a `Message`...),
so that loop alone costs over 100 MB of a process that reads a handful of those types.

`import_deferring_schemas()` imports aiogram with that loop holding its hand: the names the
loop would have resolved go into each type's own module, where pydantic looks for them
anyway, and a type's validator is built the first time it is used. `warm()` builds those
the coach uses at start, so the first update is not the one to pay for them.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel


def import_deferring_schemas() -> None:
    if "aiogram" in sys.modules:
        return  # already imported, its types already built: nothing left to save
    rebuild = BaseModel.__dict__["model_rebuild"]
    held: list[tuple[type[BaseModel], Mapping[str, Any]]] = []

    def hold(
        cls: type[BaseModel],
        /,
        *,
        _types_namespace: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> bool | None:
        if (
            _types_namespace is not None
            and cls.model_config.get("defer_build")
            and not cls.__pydantic_complete__
        ):
            held.append((cls, _types_namespace))
            return None
        result: bool | None = rebuild.__func__(cls, _types_namespace=_types_namespace, **options)
        return result

    BaseModel.model_rebuild = classmethod(hold)  # type: ignore[method-assign,assignment]
    try:
        import aiogram  # noqa: F401
    finally:
        BaseModel.model_rebuild = rebuild  # type: ignore[method-assign]
    for cls, names in held:
        namespace = vars(sys.modules[cls.__module__])
        for name, value in names.items():
            namespace.setdefault(name, value)


def warm(types: Iterable[type[BaseModel]]) -> None:
    """Build these types' validators now (and those of the types they nest)."""
    for model in types:
        if not model.__pydantic_complete__:
            model.model_rebuild()
