"""URL parameters are untrusted: each parser returns a usable value and says what it changed."""

from core.urlstate import format_pair, parse_choice, parse_pair


def test_square_and_rectangular_values_are_read():
    assert parse_pair("3", "kernel", 1, 7, (3, 3)) == ((3, 3), None)
    assert parse_pair("3x5", "kernel", 1, 7, (3, 3)) == ((3, 5), None)


def test_out_of_range_value_is_clamped_to_the_nearest_valid_one_with_a_message():
    value, message = parse_pair("0", "stride", 1, 4, (1, 1))
    assert value == (1, 1)
    assert message.key == "url.out_of_range" and message.params["used"] == "1"
    value, message = parse_pair("2x99", "kernel", 1, 7, (3, 3))
    assert value == (2, 7) and "2x7" in message.text("en")


def test_garbage_falls_back_to_the_default_with_a_message():
    value, message = parse_pair("<script>", "size", 1, 12, (5, 5))
    assert value == (5, 5) and message.key == "url.bad_pair"
    assert parse_pair("9" * 50, "size", 1, 12, (5, 5))[1].key == "url.bad_pair"


def test_mistyped_choice_suggests_the_closest_one():
    assert parse_choice("POOL", "mode", ["matrix", "pool"], "matrix") == ("pool", None)
    value, message = parse_choice("matrx", "mode", ["matrix", "pool"], "matrix")
    assert value == "matrix" and message.params["used"] == "matrix"
    assert parse_choice("zzz", "mode", ["matrix", "pool"], "pool")[0] == "pool"


def test_pairs_are_written_back_in_the_short_form():
    assert format_pair((3, 3)) == "3" and format_pair((3, 5)) == "3x5"
