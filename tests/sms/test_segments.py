"""Cases from GSM 03.38 (3GPP TS 23.038/23.040) and SMSAPI's limits for the segment engine."""

import pytest
import regex

from portal.sms.segments import (
    GSM7,
    GSM_BASIC,
    GSM_EXTENSION,
    SEPTETS,
    UCS2,
    analyze,
    normalize_text,
    replace_unicode,
)

POLISH = "ą"  # any non-GSM BMP character: one UTF-16 unit
EMOJI = "😀"  # outside the BMP: a surrogate pair, two units


def _codec_septets(char: str) -> int | None:
    try:
        return len(char.encode("gsm03.38"))
    except UnicodeEncodeError:
        return None


BMP = [chr(code) for code in range(0x10000) if not 0xD800 <= code <= 0xDFFF]


# text, encoding, units, parts, left
LIMITS = {
    "gsm_160_is_one_part": ("a" * 160, GSM7, 160, 1, 0),
    "gsm_161_is_two_parts_145_left": ("a" * 161, GSM7, 161, 2, 145),
    "gsm_306_is_two_parts": ("a" * 306, GSM7, 306, 2, 0),
    "gsm_307_is_three_parts": ("a" * 307, GSM7, 307, 3, 152),
    "gsm_459_is_three_parts": ("a" * 459, GSM7, 459, 3, 0),
    "gsm_460_is_four_parts": ("a" * 460, GSM7, 460, 4, 152),
    "gsm_918_is_six_parts": ("a" * 918, GSM7, 918, 6, 0),
    "gsm_919_is_seven_parts": ("a" * 919, GSM7, 919, 7, 152),
    "ucs2_70_is_one_part": (POLISH * 70, UCS2, 70, 1, 0),
    "ucs2_71_is_two_parts_63_left": (POLISH * 71, UCS2, 71, 2, 63),
    "ucs2_134_is_two_parts": (POLISH * 134, UCS2, 134, 2, 0),
    "ucs2_135_is_three_parts": (POLISH * 135, UCS2, 135, 3, 66),
    "ucs2_402_is_six_parts": (POLISH * 402, UCS2, 402, 6, 0),
    "ucs2_403_is_seven_parts": (POLISH * 403, UCS2, 403, 7, 66),
    "escape_on_part_boundary_moves_whole": ("a" * 152 + "€" + "a" * 152, GSM7, 306, 3, 152),
    "153_closing_brackets_take_three_parts": ("]" * 153, GSM7, 306, 3, 151),
    "459_carets_are_918_septets_in_7_parts": ("^" * 459, GSM7, 918, 7, 147),
    "917_letters_and_euro_are_919_septets": ("a" * 917 + "€", GSM7, 919, 7, 151),
    "only_extension_characters_count_double": ("^{}\\[~]|€\f", GSM7, 20, 1, 140),
    "emoji_on_part_boundary_moves_whole": ("a" * 66 + EMOJI + "a" * 10, UCS2, 78, 2, 55),
    "67_emoji_take_three_parts": (EMOJI * 67, UCS2, 134, 3, 65),
    "polish_text_is_ucs2": ("Zażółć gęślą jaźń", UCS2, 17, 1, 53),
    "mixed_emoji_count_two_units_each": ("Hi 👋 ok 🎉🎉 ✔", UCS2, 15, 1, 55),
    "dollar_at_underscore_are_gsm": ("$@_", GSM7, 3, 1, 157),
    "backtick_is_not_gsm": ("`", UCS2, 1, 1, 69),
    "capital_c_cedilla_is_gsm": ("Ç", GSM7, 1, 1, 159),
    "small_c_cedilla_is_not_gsm": ("ç", UCS2, 1, 1, 69),
    "crlf_counts_as_one_line_feed": ("a\r\nb\rc", GSM7, 5, 1, 155),
    "decomposed_e_acute_is_gsm_e_acute": ("e\u0301", GSM7, 1, 1, 159),
    "literal_escape_is_not_gsm": ("a\x1bb", UCS2, 3, 1, 67),
    "other_c0_controls_are_not_gsm": ("a\x07b", UCS2, 3, 1, 67),
    "no_break_space_is_not_gsm": ("a\u00a0b", UCS2, 3, 1, 67),
    "empty_text_is_gsm_with_nothing_used": ("", GSM7, 0, 0, 160),
}


@pytest.mark.parametrize(("text", "encoding", "units", "parts", "left"), LIMITS.values(), ids=LIMITS)
def test_limits_table(text: str, encoding: str, units: int, parts: int, left: int) -> None:
    analysis = analyze(text)
    assert (analysis.encoding, analysis.units, analysis.parts, analysis.left) == (
        encoding,
        units,
        parts,
        left,
    )
    assert analysis.over_limit == (parts > 6)


def test_escape_pair_on_boundary_starts_the_next_part() -> None:
    split = analyze("a" * 152 + "€" + "a" * 152).split
    assert [part.text for part in split] == ["a" * 152, "€" + "a" * 151, "a"]
    assert [part.units for part in split] == [152, 153, 1]


def test_part_offsets_index_the_normalised_text() -> None:
    analysis = analyze("x\r\n" * 100)
    assert analysis.text == "x\n" * 100
    assert [(part.start, part.end) for part in analysis.split] == [(0, 153), (153, 200)]
    assert all(analysis.text[part.start : part.end] == part.text for part in analysis.split)


def test_capacity_is_per_part_once_the_message_is_long() -> None:
    assert analyze("a" * 160).per_part == 160
    assert analyze("a" * 161).per_part == 153
    assert analyze(POLISH * 70).per_part == 70
    assert analyze(POLISH * 71).per_part == 67
    assert analyze("").per_part == 160


def test_max_parts_decides_over_limit() -> None:
    assert analyze("a" * 459, max_parts=3).over_limit is False
    assert analyze("a" * 460, max_parts=3).over_limit is True
    assert analyze("a" * 919).max_parts == 6


def test_max_parts_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="max_parts"):
        analyze("a", max_parts=0)


def test_skin_tone_emoji_on_boundary_moves_whole() -> None:
    split = analyze(POLISH * 65 + "👍🏽" + POLISH * 10).split
    assert split[0].end == 65
    assert split[1].text.startswith("👍🏽")


def test_zwj_family_on_boundary_moves_whole() -> None:
    family = "👨\u200d👩\u200d👧"
    split = analyze(POLISH * 60 + family + POLISH * 10).split
    assert split[0].end == 60
    assert split[1].text.startswith(family)


def test_letter_with_combining_mark_on_boundary_moves_whole() -> None:
    split = analyze(POLISH * 66 + "q\u0301" + POLISH * 10).split
    assert split[0].end == 66
    assert split[1].text.startswith("q\u0301")


def test_flag_on_boundary_moves_whole() -> None:
    split = analyze(POLISH * 65 + "🇵🇱" + POLISH * 10).split
    assert split[0].end == 65


def test_cluster_longer_than_a_part_is_cut_between_code_points() -> None:
    analysis = analyze("q" + "\u0301" * 100)
    assert [part.units for part in analysis.split] == [67, 34]


def test_offenders_name_each_character_with_all_its_positions() -> None:
    (offender,) = analyze("ąbą").offenders
    assert (offender.char, offender.name, offender.replacement, offender.positions) == (
        "ą",
        "LATIN SMALL LETTER A WITH OGONEK",
        "a",
        (0, 2),
    )


def test_offender_positions_index_the_normalised_text() -> None:
    (offender,) = analyze("\r\n\r\nż").offenders
    assert offender.positions == (2,)


@pytest.mark.parametrize(
    ("char", "name", "replacement"),
    [
        ("\u00a0", "NO-BREAK SPACE", " "),
        ("\u200b", "ZERO WIDTH SPACE", ""),
        ("\ufeff", "ZERO WIDTH NO-BREAK SPACE", ""),
        ("\u00ad", "SOFT HYPHEN", ""),
        ("\u2028", "LINE SEPARATOR", "\n"),
        ("\t", "CHARACTER TABULATION", " "),
        ("\x1b", "ESCAPE", ""),
        ("\x07", "CONTROL CHARACTER U+0007", ""),
        ("\u2022", "BULLET", "-"),
        ("á", "LATIN SMALL LETTER A WITH ACUTE", "a"),
        ("ł", "LATIN SMALL LETTER L WITH STROKE", "l"),
        ("😀", "GRINNING FACE", None),
    ],
)
def test_offender_names_and_replacements(char: str, name: str, replacement: str | None) -> None:
    (offender,) = analyze(char).offenders
    assert (offender.name, offender.replacement) == (name, replacement)


def test_gsm_text_has_no_offenders() -> None:
    assert analyze("é ø Ç ß €").offenders == ()


def test_replace_unicode_strips_polish_diacritics() -> None:
    assert replace_unicode("Zażółć gęślą jaźń") == "Zazolc gesla jazn"
    assert replace_unicode("ZAŻÓŁĆ GĘŚLĄ JAŹŃ") == "ZAZOLC GESLA JAZN"


def test_replace_unicode_straightens_quotes_dashes_and_ellipsis() -> None:
    assert replace_unicode("„Tak” – ‘nie’ — “może”…") == '"Tak" - \'nie\' - "moze"...'


def test_replace_unicode_keeps_gsm_letters_with_accents() -> None:
    assert replace_unicode("é è ø Ø Ç ü á ç") == "é è ø Ø Ç ü a c"


def test_replace_unicode_keeps_characters_without_replacement() -> None:
    assert replace_unicode("ą😀👍🏽 α") == "a😀👍🏽 α"


def test_replace_unicode_removes_invisible_characters() -> None:
    assert replace_unicode("a\u200bb\ufeffc\u00add\x1be\tf\u00a0g") == "abcde f g"


def test_replace_unicode_returns_normalised_text() -> None:
    assert replace_unicode("a\r\nb") == "a\nb"


def test_normalize_text_turns_crlf_and_lone_cr_into_lf() -> None:
    assert normalize_text("a\r\nb\rc\n\r\n") == "a\nb\nc\n\n"


def test_normalize_text_composes_decomposed_accents() -> None:
    assert normalize_text("e\u0301") == "é"


def test_analysis_holds_the_normalised_text() -> None:
    assert analyze("e\u0301\r\n").text == "é\n"


def test_fast_tables_agree_with_gsm0338_codec_on_every_bmp_character() -> None:
    disagreements = [char for char in BMP if char != "\x1b" and SEPTETS.get(char) != _codec_septets(char)]
    assert disagreements == []
    assert len(GSM_BASIC) == 127
    assert set("^{}\\[~]|€\f") == GSM_EXTENSION


def test_escape_is_the_one_codec_character_left_out() -> None:
    assert _codec_septets("\x1b") == 1
    assert "\x1b" not in SEPTETS


def test_analyze_agrees_with_gsm0338_codec_on_every_bmp_character() -> None:
    disagreements = []
    for char in BMP:
        if normalize_text(char) != char:
            continue
        analysis = analyze(char)
        septets = None if char == "\x1b" else _codec_septets(char)
        expected = (GSM7, septets) if septets else (UCS2, 1)
        if (analysis.encoding, analysis.units) != expected:
            disagreements.append(char)
    assert disagreements == []


def test_every_replacement_is_gsm() -> None:
    not_gsm = [
        char
        for char in BMP
        for offender in analyze(char).offenders
        if offender.replacement is not None and analyze(offender.replacement).encoding != GSM7
    ]
    assert not_gsm == []


def test_every_gsm_character_is_its_own_grapheme_cluster() -> None:
    pairs = [a + b for a in SEPTETS for b in SEPTETS if a + b != "\r\n"]
    assert [pair for pair in pairs if len(regex.findall(r"\X", pair)) != 2] == []
