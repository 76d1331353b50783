"""Publishing a file into the chat: a copy in the media folder under a fresh random name, referred to by the one URL
form of ``common.media`` (``/media/<name>``) that every connector turns into what its platform shows."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from common.media import media_dir, media_name, media_url


def publish(source: Path | bytes, name: str, *, folder: Path | None = None) -> str:
    """Blocking: write ``source`` (a file, or the bytes themselves) into ``folder`` (the media folder by default)
    under a random name that keeps ``name``'s look; its ``/media/<name>`` URL. Never replaces a file."""
    folder = media_dir() if folder is None else folder
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / media_name(name)
    with target.open("xb") as out:
        if isinstance(source, bytes):
            out.write(source)
        else:
            with source.open("rb") as data:
                shutil.copyfileobj(data, out)
    os.chmod(target, 0o644)  # the connector that sends it may run as another user
    return media_url(target.name)
