"""`channels.testing.WebsocketCommunicator` without daphne.

`channels/testing/__init__.py` imports the live-server test case, which needs daphne
(not a dependency: Kefu serves with uvicorn). Registering the package without running its
`__init__` lets the communicator modules, which need only asgiref, load as usual.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

import channels

if "channels.testing" not in sys.modules:
    try:
        import daphne  # noqa: F401
    except ModuleNotFoundError:
        package = types.ModuleType("channels.testing")
        package.__path__ = [str(Path(channels.__file__).parent / "testing")]
        sys.modules["channels.testing"] = package

from channels.testing.websocket import WebsocketCommunicator

__all__ = ["WebsocketCommunicator"]
