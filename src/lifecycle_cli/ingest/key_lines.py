"""The keys a file named so far and the line that named each last: a compact, exact table.

An import remembers every key of a file (a later line naming one again is a duplicate; a key named first
is new for sure, FileJob.fresh). In a dict each key costs its str object, an int object for its line and
the dict's slot: ~155 bytes, so the 1.56M work orders of a million-car group held ~240 MB in the parse
worker, half the import's peak memory. Here the keys' UTF-8 bytes lie end to end in one bytearray and an
open-addressing table of three arrays holds each key's hash (its low 32 bits), where its bytes lie and its
line: 16 bytes a slot, the table at most two-thirds full, and the bytes themselves (~90 MB at 1.56M keys).
A hash matching is confirmed by comparing the bytes, so two keys are never taken for one.
"""

from __future__ import annotations

from array import array
from typing import Protocol

_START_SLOTS = 1 << 12
_LENGTH_BITS = 20  # a key's length in the low bits of its place (keys are far shorter than 1 MiB)
_LENGTH_MASK = (1 << _LENGTH_BITS) - 1
_LOW, _HALF = (1 << 32) - 1, 1 << 31


class FileKeys(Protocol):
    """key -> the line that named it last, for the keys of one file (KeyLines; KeysInDict)."""

    def __contains__(self, key: str) -> bool: ...

    def __len__(self) -> int: ...

    def named(self, key: str, line: int) -> int | None:
        """The line that named `key` before (None: named first here); `line` is its line from now on."""

    def add_new(self, key: str, line: int) -> bool:
        """Keep `key` named by `line` when no line named it yet; whether it was new."""


class KeysInDict(dict[str, int]):
    """FileKeys in a dict: ~10 times faster a key than KeyLines, ~155 bytes a key. For this process's own
    files (a re-import looks up every line's key: 1M lines' worth of KeyLines cost 4.6 s), KeyLines for the
    parse worker's (a first import's peak memory)."""

    def named(self, key: str, line: int) -> int | None:
        before = self.get(key)
        self[key] = line
        return before

    def add_new(self, key: str, line: int) -> bool:
        if key in self:
            return False
        self[key] = line
        return True


class KeyLines:
    """key -> the line that named it last, for the keys of one file, compact (FileKeys)."""

    def __init__(self) -> None:
        self._bytes = bytearray()
        self._count = 0
        self._make(_START_SLOTS)

    def _make(self, slots: int) -> None:
        self._mask = slots - 1
        self._hashes = array("i", bytes(4 * slots))  # the hash's low 32 bits, never 0; 0: an empty slot
        self._places = array("q", bytes(8 * slots))  # offset << _LENGTH_BITS | length
        self._lines = array("i", bytes(4 * slots))

    def __len__(self) -> int:
        return self._count

    def expect(self, keys: int) -> None:
        """Room for about `keys` keys made now, while empty: growing is a pass over every slot (at 850,000
        keys the doublings cost 0.45 s of 1.3 s)."""
        slots = _START_SLOTS
        while 2 * slots < 3 * keys:
            slots *= 2
        if self._count == 0 and slots > self._mask + 1:
            self._make(slots)

    def _slot(self, key: str) -> tuple[int, int, bytes]:
        """The slot holding the key, else the empty one it would take; its hash; its bytes."""
        data = key.encode("utf-8", "surrogatepass")  # exact for any str a reader gave
        wanted = ((hash(key) + _HALF) & _LOW) - _HALF or 1  # as a signed 32-bit number
        hashes, places, stored, mask = self._hashes, self._places, self._bytes, self._mask
        slot = wanted & mask
        while True:
            found = hashes[slot]
            if found == 0:
                return slot, wanted, data
            if found == wanted:
                place = places[slot]
                start = place >> _LENGTH_BITS
                if stored[start:start + (place & _LENGTH_MASK)] == data:
                    return slot, wanted, data
            slot = (slot + 1) & mask

    def __contains__(self, key: str) -> bool:
        return self._hashes[self._slot(key)[0]] != 0

    def named(self, key: str, line: int) -> int | None:
        """The line that named `key` before (None: named first here); `line` is its line from now on."""
        slot, wanted, data = self._slot(key)
        if self._hashes[slot] != 0:
            before: int = self._lines[slot]
            self._lines[slot] = line
            return before
        self._put(slot, wanted, data, line)
        return None

    def add_new(self, key: str, line: int) -> bool:
        """Keep `key` named by `line` when no line named it yet; whether it was new."""
        slot, wanted, data = self._slot(key)
        if self._hashes[slot] != 0:
            return False
        self._put(slot, wanted, data, line)
        return True

    def _put(self, slot: int, wanted: int, data: bytes, line: int) -> None:
        if len(data) > _LENGTH_MASK:
            raise ValueError(f"a key of {len(data)} bytes")
        self._hashes[slot] = wanted
        self._places[slot] = len(self._bytes) << _LENGTH_BITS | len(data)
        self._lines[slot] = line
        self._bytes += data
        self._count += 1
        if 3 * self._count > 2 * (self._mask + 1):
            self._grow()

    def _grow(self) -> None:
        """Twice the slots, every key moved to its place among them (the keys are distinct: no compare)."""
        hashes, places, lines = self._hashes, self._places, self._lines
        self._make(2 * (self._mask + 1))
        new_hashes, new_places, new_lines, mask = self._hashes, self._places, self._lines, self._mask
        for old, wanted in enumerate(hashes):
            if wanted:
                slot = wanted & mask
                while new_hashes[slot]:
                    slot = (slot + 1) & mask
                new_hashes[slot] = wanted
                new_places[slot] = places[old]
                new_lines[slot] = lines[old]
