"""Properties of the segment engine, checked against a slow reference built on the gsm0338 codec."""

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.sms.segments import GSM7, SEPTETS, UCS2, MessageAnalysis, analyze, normalize_text, replace_unicode

GSM_CHARS = sorted(SEPTETS)
TRICKY = [
    "€", "^", "]", "\f", "ą", "ł", "ż", "😀", "🏽", "👍", "\u200d", "\ufe0f", "\u0301", "\u0328",
    "🇵", "🇱", "ᄀ", "ᅡ", "ᆨ", "\r", "\n", "\x1b", "\u00a0", "\u200b", "“", "”", "–", "…", "ç",
]  # fmt: skip
BASES = ["a", "€", "ą", "😀"]
GSM_MIX = ["a", "€", "^", "]", "\f", "\n", "\r"]

gsm_texts = st.text(st.sampled_from(GSM_CHARS), max_size=1000)
mixed_texts = st.text(
    st.one_of(st.sampled_from(GSM_CHARS), st.sampled_from(TRICKY), st.characters(exclude_categories=["Cs"])),
    max_size=700,
)
# A run of one character first, so that tricky characters land on part boundaries.
boundary_texts = st.builds(
    lambda base, count, tail: base * count + tail,
    st.sampled_from(BASES),
    st.integers(0, 320),
    st.text(st.sampled_from(TRICKY + ["a"]), max_size=80),
)
gsm_boundary_texts = st.builds(
    lambda base, count, tail: base * count + tail,
    st.sampled_from(GSM_MIX),
    st.integers(0, 920),
    st.text(st.sampled_from(GSM_MIX), max_size=160),
)
# Clusters longer than a part (stacked marks, long ZWJ chains) fall back to code points.
long_cluster_texts = st.builds(
    lambda count, cluster: "ą" * count + "q" + cluster,
    st.integers(0, 140),
    st.lists(st.sampled_from(["\u0301", "\u0328", "\u200d👍", "🏽"]), min_size=20, max_size=120).map("".join),
)
any_text = st.one_of(gsm_texts, mixed_texts, boundary_texts, gsm_boundary_texts, long_cluster_texts)


def _reference_atoms(text: str) -> tuple[str, list[tuple[str, int]]]:
    """Encoding and the pieces that must stay whole, sized with the codec and UTF-16."""
    try:
        septets = [(char, len(char.encode("gsm03.38"))) for char in text]
    except UnicodeEncodeError:
        septets = None
    if septets is not None and "\x1b" not in text:
        return GSM7, septets
    atoms = []
    for cluster in regex.findall(r"\X", text):
        units = len(cluster.encode("utf-16-le")) // 2
        if units > 67:
            atoms.extend((char, len(char.encode("utf-16-le")) // 2) for char in cluster)
        else:
            atoms.append((cluster, units))
    return UCS2, atoms


def _reference_split(text: str) -> tuple[str, list[str]]:
    encoding, atoms = _reference_atoms(text)
    single, capacity = (160, 153) if encoding == GSM7 else (70, 67)
    if sum(units for _, units in atoms) <= single:
        return encoding, [text] if text else []
    parts: list[str] = []
    current, used = "", 0
    for atom, units in atoms:
        if used + units > capacity:
            parts.append(current)
            current, used = "", 0
        current, used = current + atom, used + units
    return encoding, [*parts, current]


def _cuts(analysis: MessageAnalysis) -> list[int]:
    return [part.end for part in analysis.split[:-1]]


@given(any_text)
@settings(max_examples=300)
def test_split_matches_a_greedy_reference_splitter(text: str) -> None:
    analysis = analyze(text)
    encoding, parts = _reference_split(analysis.text)
    assert analysis.encoding == encoding
    assert [part.text for part in analysis.split] == parts


@given(any_text)
def test_parts_rejoin_to_the_normalised_text(text: str) -> None:
    analysis = analyze(text)
    assert analysis.text == normalize_text(text)
    assert "".join(part.text for part in analysis.split) == analysis.text
    assert all(analysis.text[part.start : part.end] == part.text for part in analysis.split)
    assert [part.start for part in analysis.split[1:]] == _cuts(analysis)


@given(any_text)
def test_units_equal_the_sum_of_the_parts_units(text: str) -> None:
    analysis = analyze(text)
    assert analysis.units == sum(part.units for part in analysis.split)


@given(any_text)
def test_parts_count_matches_the_split_and_the_limit(text: str) -> None:
    analysis = analyze(text)
    assert analysis.parts == len(analysis.split)
    assert analysis.over_limit == (analysis.parts > analysis.max_parts)
    used = analysis.split[-1].units if analysis.split else 0
    assert analysis.left == analysis.per_part - used


@given(any_text)
def test_every_part_fits_its_capacity(text: str) -> None:
    analysis = analyze(text)
    single, multi = (160, 153) if analysis.encoding == GSM7 else (70, 67)
    capacity = single if analysis.parts == 1 else multi
    assert analysis.per_part == (single if analysis.parts <= 1 else multi)
    assert all(part.units <= capacity for part in analysis.split)


@given(st.one_of(gsm_texts, gsm_boundary_texts))
def test_gsm_parts_never_cut_an_escape_sequence(text: str) -> None:
    analysis = analyze(text)
    if analysis.encoding == GSM7:
        for part in analysis.split:
            encoded = part.text.encode("gsm03.38")
            assert len(encoded) == part.units
            assert not encoded.endswith(b"\x1b") or encoded.endswith(b"\x1b\x1b")


@given(any_text)
def test_ucs2_parts_never_cut_a_surrogate_pair(text: str) -> None:
    analysis = analyze(text)
    if analysis.encoding == UCS2:
        encoded = [part.text.encode("utf-16-le") for part in analysis.split]
        assert [len(data) // 2 for data in encoded] == [part.units for part in analysis.split]
        assert all(
            data.decode("utf-16-le") == part.text for data, part in zip(encoded, analysis.split, strict=True)
        )


@given(any_text)
def test_ucs2_parts_never_cut_a_grapheme_cluster_that_fits_a_part(text: str) -> None:
    analysis = analyze(text)
    if analysis.encoding == UCS2:
        for match in regex.finditer(r"\X", analysis.text):
            start, end = match.span()
            if len(match.group().encode("utf-16-le")) // 2 <= 67:
                assert not any(start < cut < end for cut in _cuts(analysis))


@given(any_text)
def test_offenders_are_exactly_the_characters_outside_gsm(text: str) -> None:
    analysis = analyze(text)
    found = sorted(position for offender in analysis.offenders for position in offender.positions)
    assert found == [index for index, char in enumerate(analysis.text) if char not in SEPTETS]
    assert all(
        analysis.text[position] == offender.char
        for offender in analysis.offenders
        for position in offender.positions
    )


@given(any_text)
def test_normalize_text_is_idempotent(text: str) -> None:
    assert normalize_text(normalize_text(text)) == normalize_text(text)


REPLACEABLE = sorted(
    {
        char
        for first, last in [(0x80, 0x250), (0x1E00, 0x1F00), (0x2000, 0x2070), (0xFF01, 0xFF5F)]
        for code in range(first, last)
        for char in [chr(code)]
        for offender in analyze(char).offenders
        if offender.replacement is not None
    }
)


@given(st.text(st.one_of(st.sampled_from(GSM_CHARS), st.sampled_from(REPLACEABLE)), max_size=300))
def test_replacing_a_text_with_only_replaceable_offenders_makes_it_gsm(text: str) -> None:
    assert analyze(replace_unicode(text)).encoding == GSM7


@given(any_text)
def test_replace_unicode_returns_text_that_analyzes_unchanged(text: str) -> None:
    replaced = replace_unicode(text)
    assert analyze(replaced).text == replaced
    assert all(offender.replacement is None for offender in analyze(replaced).offenders)
