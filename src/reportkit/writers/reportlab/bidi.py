"""The Unicode Bidirectional Algorithm (UAX #9), on plain strings: embedding levels and visual
order.

Its job: for one paragraph, the resolved level of every character (rules P2-P3, X1-X10, W1-W7,
N0-N2, I1-I2: `bidi_levels`), and for one line the visual order of items of given levels (rule
L2: `reorder`); `bidi_line` is the whole algorithm for a paragraph shown as one line, L1
included. Its promise: `bidi_line` gives the levels and order of every case of the Unicode
Consortium's conformance file, BidiCharacterTest.txt (tests/test_bidi_conformance.py holds it
to that). It knows nothing of fonts, shaping or PDF and imports neither ReportLab nor HarfBuzz:
the layout (paragraph.py) resolves levels here, then cuts words into pieces of one level.
"""

from __future__ import annotations

import unicodedata

__all__ = ["bidi_levels", "bidi_line", "reorder"]

_MAX_DEPTH = 125
_ISOLATE_INITIATORS = frozenset(("LRI", "RLI", "FSI"))
_REMOVED_X9 = frozenset(("RLE", "LRE", "RLO", "LRO", "PDF", "BN"))
_NEUTRAL_OR_ISOLATE = frozenset(("B", "S", "WS", "ON", "LRI", "RLI", "FSI", "PDI"))
# Types that make a paragraph anything but plain left-to-right.
_NOT_PLAIN_LTR = frozenset(
    ("R", "AL", "AN", "RLE", "LRE", "RLO", "LRO", "PDF", "RLI", "LRI", "FSI", "PDI")
)

# Bidi_Paired_Bracket pairs of BidiBrackets.txt (Unicode 14), opening → closing.
# fmt: off
_BRACKET_PAIRS = {
    0x0028: 0x0029, 0x005B: 0x005D, 0x007B: 0x007D, 0x0F3A: 0x0F3B, 0x0F3C: 0x0F3D,
    0x169B: 0x169C, 0x2045: 0x2046, 0x207D: 0x207E, 0x208D: 0x208E, 0x2308: 0x2309,
    0x230A: 0x230B, 0x2329: 0x232A, 0x2768: 0x2769, 0x276A: 0x276B, 0x276C: 0x276D,
    0x276E: 0x276F, 0x2770: 0x2771, 0x2772: 0x2773, 0x2774: 0x2775, 0x27C5: 0x27C6,
    0x27E6: 0x27E7, 0x27E8: 0x27E9, 0x27EA: 0x27EB, 0x27EC: 0x27ED, 0x27EE: 0x27EF,
    0x2983: 0x2984, 0x2985: 0x2986, 0x2987: 0x2988, 0x2989: 0x298A, 0x298B: 0x298C,
    0x298D: 0x2990, 0x298F: 0x298E, 0x2991: 0x2992, 0x2993: 0x2994, 0x2995: 0x2996,
    0x2997: 0x2998, 0x29D8: 0x29D9, 0x29DA: 0x29DB, 0x29FC: 0x29FD, 0x2E22: 0x2E23,
    0x2E24: 0x2E25, 0x2E26: 0x2E27, 0x2E28: 0x2E29, 0x2E55: 0x2E56, 0x2E57: 0x2E58,
    0x2E59: 0x2E5A, 0x2E5B: 0x2E5C, 0x3008: 0x3009, 0x300A: 0x300B, 0x300C: 0x300D,
    0x300E: 0x300F, 0x3010: 0x3011, 0x3014: 0x3015, 0x3016: 0x3017, 0x3018: 0x3019,
    0x301A: 0x301B, 0xFE59: 0xFE5A, 0xFE5B: 0xFE5C, 0xFE5D: 0xFE5E, 0xFF08: 0xFF09,
    0xFF3B: 0xFF3D, 0xFF5B: 0xFF5D, 0xFF5F: 0xFF60, 0xFF62: 0xFF63,
}
_CLOSING = {c: o for o, c in _BRACKET_PAIRS.items()}
_CANONICAL_BRACKET = {0x2329: 0x3008, 0x232A: 0x3009}  # canonical equivalents compare equal

# Default Bidi_Class of unassigned code points in right-to-left blocks (DerivedBidiClass.txt).
_DEFAULT_RTL = (
    (0x0590, 0x05FF, "R"), (0x0600, 0x07BF, "AL"), (0x07C0, 0x085F, "R"), (0x0860, 0x08FF, "AL"),
    (0xFB1D, 0xFB4F, "R"), (0xFB50, 0xFDCF, "AL"), (0xFDF0, 0xFDFF, "AL"), (0xFE70, 0xFEFF, "AL"),
    (0x10800, 0x10CFF, "R"), (0x10D00, 0x10D3F, "AL"), (0x10D40, 0x10EBF, "R"),
    (0x10EC0, 0x10EFF, "AL"), (0x10F00, 0x10F2F, "R"), (0x10F30, 0x10F6F, "AL"),
    (0x10F70, 0x10FFF, "R"), (0x1E800, 0x1EC6F, "R"), (0x1EC70, 0x1ECBF, "AL"),
    (0x1ECC0, 0x1ECFF, "R"), (0x1ED00, 0x1ED4F, "AL"), (0x1ED50, 0x1EDFF, "R"),
    (0x1EE00, 0x1EEFF, "AL"), (0x1EF00, 0x1EFFF, "R"),
)
# fmt: on

_bidirectional = unicodedata.bidirectional
_class_cache: dict[str, str] = {}


def _bidi_class(ch: str) -> str:
    cls = _class_cache.get(ch)
    if cls is None:
        cls = _bidirectional(ch)
        if not cls:  # unassigned
            cp = ord(ch)
            cls = "L"
            if (0xFDD0 <= cp <= 0xFDEF) or (cp & 0xFFFE) == 0xFFFE:
                cls = "BN"
            for lo, hi, c in _DEFAULT_RTL:
                if lo <= cp <= hi:
                    cls = c
                    break
        _class_cache[ch] = cls
    return cls


def _first_strong(types: list[str], start: int, end: int) -> int | None:
    """P2/P3: level (0/1) of the first strong character in [start, end), skipping isolates."""
    depth = 0
    for i in range(start, end):
        t = types[i]
        if t in _ISOLATE_INITIATORS:
            depth += 1
        elif t == "PDI":
            if depth:
                depth -= 1
        elif depth == 0:
            if t == "L":
                return 0
            if t in ("R", "AL"):
                return 1
    return None


def _strong_dir(t: str) -> str | None:
    """Direction a type counts as for N0-N2: EN and AN count as R."""
    if t == "L":
        return "L"
    if t in ("R", "EN", "AN"):
        return "R"
    return None


def bidi_levels(text: str, base_dir: str = "rtl") -> tuple[list[int], int]:
    """Resolved embedding levels of one paragraph (UAX #9 up to rule I2), and its base level.

    base_dir: "rtl", "ltr" or "auto" (rules P2-P3, left to right when there is no strong
    character). Characters removed by rule X9 (embedding controls, BN) get the level of the
    character before them. Line rules L1-L2 are applied later, per line.
    """
    n = len(text)
    orig = [_bidi_class(c) for c in text]
    if base_dir == "rtl":
        base = 1
    elif base_dir == "ltr":
        base = 0
    elif base_dir == "auto":
        base = _first_strong(orig, 0, n) or 0
    else:
        raise ValueError(f"base_dir must be 'rtl', 'ltr' or 'auto', not {base_dir!r}")
    if base == 0 and not _NOT_PLAIN_LTR.intersection(orig):
        return [0] * n, 0  # plain left-to-right text: nothing to resolve

    # Matching PDIs of isolate initiators (BD9).
    match: dict[int, int] = {}
    open_isolates: list[int] = []
    for i, t in enumerate(orig):
        if t in _ISOLATE_INITIATORS:
            open_isolates.append(i)
        elif t == "PDI" and open_isolates:
            match[open_isolates.pop()] = i

    # X1-X8: explicit levels and directions.
    types = list(orig)
    levels = [base] * n
    stack: list[tuple[int, str | None, bool]] = [(base, None, False)]  # level, override, isolate
    overflow_isolates = overflow_embeddings = valid_isolates = 0
    for i, t in enumerate(orig):
        if t in ("RLE", "LRE", "RLO", "LRO"):
            cur = stack[-1][0]
            new = (cur + 1) | 1 if t[0] == "R" else (cur + 2) & ~1
            levels[i] = cur
            if new <= _MAX_DEPTH and not overflow_isolates and not overflow_embeddings:
                override = None if t[2] == "E" else t[0]
                stack.append((new, override, False))
            elif not overflow_isolates:
                overflow_embeddings += 1
        elif t in _ISOLATE_INITIATORS:
            cur, override, _ = stack[-1]
            levels[i] = cur
            if override:
                types[i] = override
            if t == "FSI":
                end = match.get(i, n)
                rtl = _first_strong(orig, i + 1, end) == 1
            else:
                rtl = t == "RLI"
            new = (cur + 1) | 1 if rtl else (cur + 2) & ~1
            if new <= _MAX_DEPTH and not overflow_isolates and not overflow_embeddings:
                valid_isolates += 1
                stack.append((new, None, True))
            else:
                overflow_isolates += 1
        elif t == "PDI":
            if overflow_isolates:
                overflow_isolates -= 1
            elif valid_isolates:
                overflow_embeddings = 0
                while not stack[-1][2]:
                    stack.pop()
                stack.pop()
                valid_isolates -= 1
            cur, override, _ = stack[-1]
            levels[i] = cur
            if override:
                types[i] = override
        elif t == "PDF":
            levels[i] = stack[-1][0]
            if overflow_isolates:
                pass
            elif overflow_embeddings:
                overflow_embeddings -= 1
            elif not stack[-1][2] and len(stack) >= 2:
                stack.pop()
        elif t == "B":
            levels[i] = base
        elif t == "BN":
            levels[i] = stack[-1][0]
        else:
            cur, override, _ = stack[-1]
            levels[i] = cur
            if override:
                types[i] = override

    # X9-X10: level runs of the remaining characters, chained into isolating run sequences.
    kept = [i for i in range(n) if orig[i] not in _REMOVED_X9]
    if not kept:
        return levels, base
    runs: list[list[int]] = []
    run = [kept[0]]
    for i in kept[1:]:
        if levels[i] == levels[run[-1]]:
            run.append(i)
        else:
            runs.append(run)
            run = [i]
    runs.append(run)
    run_starting_at = {r[0]: r for r in runs}
    matched_pdis = set(match.values())
    position_in_kept = {i: k for k, i in enumerate(kept)}

    explicit = list(levels)  # sos/eos compare embedding levels, not resolved ones
    for first_run in runs:
        if first_run[0] in matched_pdis and orig[first_run[0]] == "PDI":
            continue  # continues the sequence of its isolate initiator
        seq = list(first_run)
        while orig[seq[-1]] in _ISOLATE_INITIATORS and seq[-1] in match:
            nxt = run_starting_at.get(match[seq[-1]])
            if nxt is None:
                break
            seq.extend(nxt)
        level = explicit[seq[0]]
        k0 = position_in_kept[seq[0]]
        before = explicit[kept[k0 - 1]] if k0 > 0 else base
        k1 = position_in_kept[seq[-1]]
        if orig[seq[-1]] in _ISOLATE_INITIATORS or k1 + 1 >= len(kept):
            after = base
        else:
            after = explicit[kept[k1 + 1]]
        sos = "R" if max(before, level) & 1 else "L"
        eos = "R" if max(after, level) & 1 else "L"
        _resolve_sequence(seq, types, orig, levels, level, sos, eos, text)

    # Characters removed by X9 take the level of the character before them.
    prev = base
    for i in range(n):
        if orig[i] in _REMOVED_X9:
            levels[i] = prev
        else:
            prev = levels[i]
    return levels, base


def _resolve_sequence(
    seq: list[int],
    types: list[str],
    orig: list[str],
    levels: list[int],
    level: int,
    sos: str,
    eos: str,
    text: str,
) -> None:
    """W1-W7, N0-N2 and I1-I2 on one isolating run sequence (indices `seq`)."""
    t = [types[i] for i in seq]
    n = len(t)
    # W1: NSM takes the type of the previous character (ON after an isolate initiator or PDI).
    prev = sos
    for k in range(n):
        if t[k] == "NSM":
            t[k] = "ON" if prev in _ISOLATE_INITIATORS or prev == "PDI" else prev
        prev = t[k]
    # W2: EN after AL becomes AN. W3: AL becomes R.
    last = sos
    for k in range(n):
        tk = t[k]
        if tk in ("L", "R", "AL"):
            last = tk
            if tk == "AL":
                t[k] = "R"
        elif tk == "EN" and last == "AL":
            t[k] = "AN"
    # W4: a single separator between two numbers of the same kind.
    for k in range(1, n - 1):
        tk = t[k]
        if tk == "ES":
            if t[k - 1] == "EN" and t[k + 1] == "EN":
                t[k] = "EN"
        elif tk == "CS":
            a = t[k - 1]
            if a in ("EN", "AN") and t[k + 1] == a:
                t[k] = a
    # W5: terminators next to European numbers become EN.
    k = 0
    while k < n:
        if t[k] == "ET":
            j = k
            while j < n and t[j] == "ET":
                j += 1
            if (k > 0 and t[k - 1] == "EN") or (j < n and t[j] == "EN"):
                for m in range(k, j):
                    t[m] = "EN"
            k = j
        else:
            k += 1
    # W6: remaining separators and terminators become ON. W7: EN after L becomes L.
    last = sos
    for k in range(n):
        tk = t[k]
        if tk in ("ES", "ET", "CS"):
            t[k] = "ON"
        elif tk in ("L", "R"):
            last = tk
        elif tk == "EN" and last == "L":
            t[k] = "L"
    embedding = "R" if level & 1 else "L"
    # N0: paired brackets.
    pairs: list[tuple[int, int]] = []
    opened: list[tuple[int, int]] = []  # (closing code point, position)
    for k in range(n):
        if t[k] != "ON":
            continue
        cp = ord(text[seq[k]])
        if cp in _BRACKET_PAIRS:
            if len(opened) == 63:
                break
            closing = _BRACKET_PAIRS[cp]
            opened.append((_CANONICAL_BRACKET.get(closing, closing), k))
        elif cp in _CLOSING:
            cp = _CANONICAL_BRACKET.get(cp, cp)
            for s in range(len(opened) - 1, -1, -1):
                if opened[s][0] == cp:
                    pairs.append((opened[s][1], k))
                    del opened[s:]
                    break
    if pairs:
        pairs.sort()
        for o, c in pairs:
            found_embedding = found_opposite = False
            for k in range(o + 1, c):
                d = _strong_dir(t[k])
                if d == embedding:
                    found_embedding = True
                    break
                if d:
                    found_opposite = True
            if found_embedding:
                new = embedding
            elif found_opposite:
                new = sos
                for k in range(o - 1, -1, -1):
                    d = _strong_dir(t[k])
                    if d:
                        new = d
                        break
            else:
                continue
            t[o] = t[c] = new
            for b in (o, c):  # NSMs after a bracket follow it
                k = b + 1
                while k < n and orig[seq[k]] == "NSM":
                    t[k] = new
                    k += 1
    # N1-N2: neutrals between two strong types of one direction take it, else the embedding's.
    k = 0
    while k < n:
        if t[k] in _NEUTRAL_OR_ISOLATE:
            j = k
            while j < n and t[j] in _NEUTRAL_OR_ISOLATE:
                j += 1
            before = sos if k == 0 else _strong_dir(t[k - 1])
            after = eos if j == n else _strong_dir(t[j])
            new = before if before == after else embedding
            for m in range(k, j):
                t[m] = new
            k = j
        else:
            k += 1
    # I1-I2: implicit levels.
    for k in range(n):
        i = seq[k]
        tk = t[k]
        if level & 1:
            if tk in ("L", "EN", "AN"):
                levels[i] = level + 1
        elif tk == "R":
            levels[i] = level + 1
        elif tk in ("AN", "EN"):
            levels[i] = level + 2


def reorder(levels: list[int]) -> list[int]:
    """Rule L2: visual order (indices) of items with the given levels."""
    order = list(range(len(levels)))
    if not levels:
        return order
    highest = max(levels)
    lowest_odd = min(lv for lv in levels) | 1
    lv = list(levels)
    for level in range(highest, lowest_odd - 1, -1):
        i = 0
        n = len(lv)
        while i < n:
            if lv[i] >= level:
                j = i
                while j < n and lv[j] >= level:
                    j += 1
                order[i:j] = order[i:j][::-1]
                lv[i:j] = lv[i:j][::-1]
                i = j
            else:
                i += 1
    return order


_RESET_AT_LINE_END = frozenset(("WS", "LRI", "RLI", "FSI", "PDI"))


def bidi_line(text: str, base_dir: str = "rtl") -> tuple[list[int | None], list[int]]:
    """One paragraph shown as one line: each character's level after rule L1 (None for those
    rule X9 removes) and the visual order (rule L2, left to right) of the others.

    This is the whole algorithm as BidiCharacterTest.txt states it; the layout applies the same
    rules per line, where the spaces a line ends with are not drawn at all."""
    levels, base = bidi_levels(text, base_dir)
    classes = [_bidi_class(c) for c in text]
    out: list[int | None] = list(levels)
    # L1: separators, and white space and isolate controls before them or at the line's end,
    # go back to the paragraph level (characters removed by X9 inside such a run go along).
    trailing = True
    for i in range(len(text) - 1, -1, -1):
        cls = classes[i]
        if cls in ("S", "B"):
            out[i] = base
            trailing = True
        elif trailing and (cls in _RESET_AT_LINE_END or cls in _REMOVED_X9):
            out[i] = base
        else:
            trailing = False
    kept = [i for i in range(len(text)) if classes[i] not in _REMOVED_X9]
    for i in range(len(text)):
        if classes[i] in _REMOVED_X9:
            out[i] = None
    order = reorder([out[i] for i in kept])
    return out, [kept[k] for k in order]
