"""Import .apkg files into a throwaway collection with the official ``anki`` package."""

from __future__ import annotations

from pathlib import Path

from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
from anki.import_export_pb2 import ImportResponse


def open_collection(folder: Path) -> Collection:
    folder.mkdir(parents=True, exist_ok=True)
    return Collection(str(folder / "collection.anki2"))


def import_apkg(col: Collection, apkg: Path) -> ImportResponse.Log:
    """Import with Anki's default options, as a user clicking Import does."""
    request = ImportAnkiPackageRequest(package_path=str(apkg), options=ImportAnkiPackageOptions())
    return col.import_anki_package(request).log


def notes_by_card_id(col: Collection) -> dict[str, object]:
    notes = {}
    for note_id in col.find_notes(""):
        note = col.get_note(note_id)
        notes[note["Card ID"]] = note
    return notes
