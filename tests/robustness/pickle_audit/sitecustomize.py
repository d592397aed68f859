"""The no-pickle audit, loaded at start-up by any Python process whose ``PYTHONPATH`` holds
this folder and whose environment names a log in ``WB_PICKLE_LOG`` (the test sets both).

It runs before any library is imported, so nothing can hold an unwrapped reference:
``pickle.find_class`` audit events, calls of ``pickle``/``_pickle`` ``load`` and ``loads``,
and every ``Unpickler`` made (the class is replaced by a subclass, so libraries can still
subclass it) are logged, and so is every parameter-like file read. Lines are JSON with the
process id, appended with one ``os.write`` each (no audit event, atomic across processes).
Debian's own ``sitecustomize`` (apport) is shadowed while the audit runs; nothing needs it.
"""

from __future__ import annotations

import json
import os
import sys

PARAMETER_SUFFIXES = (
    ".npz", ".npy", ".json", ".safetensors", ".bin", ".xml", ".onnx",
    ".pkl", ".pickle", ".joblib", ".pt", ".pth", ".ckpt", ".h5",
)  # fmt: skip
_WRITING = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC


def _install(log: str) -> None:
    import _pickle
    import pickle

    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    pid = os.getpid()

    def record(kind: str, detail: str) -> None:
        line = json.dumps({"pid": os.getpid(), "started": pid, "kind": kind, "detail": detail})
        os.write(fd, (line + "\n").encode())

    def hook(event: str, args: tuple) -> None:
        if event == "pickle.find_class":
            record("unpickle", f"pickle.find_class {args[0]}.{args[1]}")
        elif event == "open" and isinstance(args[0], str | bytes):
            path, mode, flags = os.fsdecode(args[0]), args[1], args[2]
            reading = (
                not any(c in mode for c in "wax+")
                if isinstance(mode, str)
                else (not (flags or 0) & _WRITING)
            )
            if reading and path.endswith(PARAMETER_SUFFIXES):
                record("read", path)

    def wrap(module: object, name: str) -> None:
        original = getattr(module, name)

        def wrapper(*args: object, **kwargs: object) -> object:
            record("unpickle", f"{module.__name__}.{name}")
            return original(*args, **kwargs)

        setattr(module, name, wrapper)

    for module in (pickle, _pickle):
        for name in ("load", "loads"):
            wrap(module, name)
        base = module.Unpickler

        class Unpickler(base):  # type: ignore[misc, valid-type]
            def __init__(self, *args: object, _where: str = module.__name__, **kwargs: object):
                record("unpickle", f"{_where}.Unpickler")
                super().__init__(*args, **kwargs)

        module.Unpickler = Unpickler
    sys.addaudithook(hook)


if os.environ.get("WB_PICKLE_LOG"):
    _install(os.environ["WB_PICKLE_LOG"])
