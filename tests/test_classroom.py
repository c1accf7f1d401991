"""A class on one server: who may see and change which run, names, the teacher password, the board.

The job queue runs a stand-in worker (a bare Python that sleeps and ignores cancel requests), as
in test_jobs.py, so no test here trains anything.
"""

import hmac
import json
import threading
import time

import pytest
from conftest import refused, rendered, watch_lock

import core.classroom as classroom
from core.class_report import shown_names
from core.class_state import LEGACY_BOARD
from core.classroom import (
    ANIMALS,
    KEY_PATTERN,
    LOCKOUT_FAILURES,
    LOCKOUT_S,
    MAX_PIN_PARAMS,
    MAX_PIN_TEXT,
    MAX_PUBLISHED,
    NAME_PATTERN,
    Board,
    Classroom,
    Viewer,
    clean_name,
    client_group,
    lockout_left,
    new_key,
    owner_id,
    password_matches,
    publish_pin,
    publish_recipe,
    random_name,
    read_board,
    set_sharing,
    update_board,
    withdraw,
)
from core.config import TrainConfig
from core.processes import process_alive
from core.run_status import RunStatus
from core.runs import CONFIG_FILE, RunStore

TINY = TrainConfig(dataset="synthetic3", model="dnn_tabular", epochs=1, lr=0.01, max_samples=100)
MADE_UP_ID = "20240101-120000-0badcafe"  # well formed, never created


@pytest.fixture
def jobs(sleeping_jobs):
    return sleeping_jobs


@pytest.fixture
def alice():
    return Viewer("alice", new_key(), class_mode=True)


@pytest.fixture
def bob():
    return Viewer("bob", new_key(), class_mode=True)


TEACHER = Viewer(teacher=True, class_mode=True)


@pytest.fixture
def alices_runs(jobs, alice):
    """Alice's two runs: one running (a live stand-in worker), one she cancelled while it waited."""
    room = Classroom(jobs, alice)
    running = room.submit(TINY)
    ended = room.submit(TINY)  # queued behind the first: the cap is one run at once
    assert room.cancel(ended).state == "cancelled"
    assert jobs.status(running).state == "running"
    return running, ended


def _unaffected(jobs, running: str, ended: str) -> None:
    status = jobs.store.read_status(running)
    assert status.state == "running" and process_alive(status.pid, status.pid_start)
    assert not jobs.store.cancel_requested(running)
    assert jobs.store.read_status(ended).state == "cancelled"
    assert (jobs.store.root / running / CONFIG_FILE).is_file()
    assert (jobs.store.root / ended / CONFIG_FILE).is_file()


# --- isolation --------------------------------------------------------------------------------------------


def test_another_students_run_is_reported_missing_exactly_like_a_run_that_never_existed(jobs, alice, bob, alices_runs):
    running, ended = alices_runs
    room = Classroom(jobs, bob)
    assert not room.sharing
    assert room.runs("mine") == [] and room.runs("class") == []
    assert {j.run_id for j in jobs.list_jobs()} == {running, ended}  # they do exist

    missing = refused(lambda: room.read(MADE_UP_ID), "runs.not_found")
    for run_id in (running, ended):
        for call in (room.read, room.status, room.cancel, room.resume, room.delete):
            message = refused(lambda call=call, run_id=run_id: call(run_id), "runs.not_found")
            # The same sentence as for a run that never existed, but for the id: no owner, no state.
            assert {k: v for k, v in message.params.items() if k != "run_id"} == {
                k: v for k, v in missing.params.items() if k != "run_id"
            }
            assert message.params["run_id"] == run_id
            assert rendered(message) == rendered(missing).replace(MADE_UP_ID, run_id)
            assert "alice" not in rendered(message)
    _unaffected(jobs, running, ended)

    # A name is a label: calling oneself "alice" grants nothing; her key does.
    impostor = Classroom(jobs, Viewer("alice", bob.key, class_mode=True))
    refused(lambda: impostor.cancel(running), "runs.not_found")
    renamed = Classroom(jobs, Viewer("renamed", alice.key, class_mode=True))
    assert {r.run_id for r in renamed.runs("mine")} == {running, ended}


@pytest.mark.parametrize("run_id", ["../x", "..", ".", "", "a/b", "../../etc/passwd", "x" * 65, None, 3])
def test_ids_that_are_no_run_ids_are_refused_before_touching_the_disk(jobs, bob, alices_runs, run_id):
    running, _ = alices_runs
    room = Classroom(jobs, bob)
    for call in (room.read, room.status, room.cancel, room.resume, room.delete):
        refused(lambda call=call: call(run_id), "runs.bad_id")
    refused(lambda: room.delete(f"../{jobs.store.root.name}/{running}"), "runs.bad_id")
    assert jobs.store.read_status(running).state == "running"


def test_while_the_teacher_shares_students_may_read_every_run_but_change_only_their_own(jobs, alice, bob, alices_runs):
    running, ended = alices_runs
    assert set_sharing(jobs.store, True).sharing
    room = Classroom(jobs, bob)  # the board is read when the classroom is opened
    assert room.sharing
    assert room.read(running).owner == "alice"
    assert room.status(running).state == "running"
    assert {r.run_id for r in room.runs("class")} == {running, ended}
    assert room.runs("mine") == []
    for call, run_id in (
        (room.cancel, running),
        (room.cancel, ended),
        (room.resume, ended),
        (room.delete, ended),
        (room.delete, running),
    ):
        message = refused(lambda call=call, run_id=run_id: call(run_id), "class.not_yours")
        assert message.params["run_id"] == run_id
    _unaffected(jobs, running, ended)

    # Bob's own run stays his to stop, shared or not.
    mine = room.submit(TINY)
    assert [r.run_id for r in room.runs("mine")] == [mine]
    assert room.cancel(mine).state == "cancelled"

    set_sharing(jobs.store, False)
    refused(lambda: Classroom(jobs, bob).read(running), "runs.not_found")


def test_the_teacher_sees_every_run_and_may_stop_and_delete_it(jobs, alice, alices_runs):
    running, ended = alices_runs
    room = Classroom(jobs, TEACHER)
    assert not room.sharing
    assert {r.run_id for r in room.runs("mine")} == {running, ended}
    assert {r.run_id for r in room.runs("class")} == {running, ended}
    pid = jobs.status(running).status.pid
    assert room.cancel(running).state == "cancelled"
    assert not process_alive(pid)
    room.delete(running)
    assert not (jobs.store.root / running).exists()
    refused(lambda: Classroom(jobs, alice).read(running), "runs.not_found")
    assert [r.run_id for r in Classroom(jobs, alice).runs("mine")] == [ended]


def test_the_owner_may_resume_and_delete_their_own_run(jobs, alice, alices_runs):
    running, ended = alices_runs
    room = Classroom(jobs, alice)
    assert room.read(running).owner_id == alice.owner_id
    assert room.resume(ended).state == "queued"  # the slot is taken by the running one
    assert room.cancel(ended).state == "cancelled"
    room.delete(ended)
    assert not (jobs.store.root / ended).exists()


def test_outside_class_mode_everyone_may_do_everything(jobs, alices_runs):
    running, ended = alices_runs
    set_sharing(jobs.store, False)
    room = Classroom(jobs, Viewer())
    assert {r.run_id for r in room.runs("mine")} == {running, ended}
    assert room.read(running).owner == "alice"
    assert room.cancel(running).state == "cancelled"
    room.delete(running)
    room.delete(ended)
    assert jobs.list_jobs() == []
    own = room.submit(TINY)
    assert jobs.store.read_run(own).owner_id is None


def test_a_run_stores_a_hash_of_its_owners_key_never_the_key(jobs, alice, alices_runs):
    running, _ = alices_runs
    stored = json.loads((jobs.store.root / running / CONFIG_FILE).read_text())
    assert stored["owner"] == "alice"
    assert stored["owner_id"] == owner_id(alice.key) == alice.owner_id
    assert len(stored["owner_id"]) == 32 and stored["owner_id"] != alice.key
    for path in (jobs.store.root / running).rglob("*"):
        if path.is_file():
            assert alice.key not in path.read_text(errors="replace"), path
    assert alice.key not in repr(alice)


def test_a_run_stores_a_hash_of_the_address_it_was_queued_from_never_the_address(jobs):
    viewer = Viewer("carol", new_key(), class_mode=True, client=client_group("192.168.4.17"))
    run_id = Classroom(jobs, viewer).submit(TINY)
    assert jobs.store.read_run(run_id).client == client_group("192.168.4.17")
    assert "192.168.4.17" not in (jobs.store.root / run_id / CONFIG_FILE).read_text()


@pytest.mark.parametrize(
    ("one", "other", "same"),
    [
        ("10.0.0.5", " 10.0.0.5 ", True),
        ("10.0.0.5", "::ffff:10.0.0.5", True),  # IPv4 as an IPv6 socket sees it
        ("2001:db8:0:1::1", "2001:db8:0:1:ffff::7", True),  # one /64: what one machine may choose from
        ("2001:db8:0:1::1", "2001:db8:0:2::1", False),
        ("10.0.0.5", "10.0.0.6", False),
    ],
)
def test_addresses_of_one_machine_give_one_client_group(one, other, same):
    assert (client_group(one) == client_group(other)) is same
    assert len(client_group(one)) == 16 and "10.0" not in client_group(one)


@pytest.mark.parametrize("address", [None, ""])
def test_an_unknown_address_gives_no_client_group(address):
    assert client_group(address) is None


def test_pruned_runs_are_reported_to_their_owner_and_the_teacher_only(jobs, alice, bob):
    store = jobs.store
    gone = {}
    for viewer in (alice, bob, Viewer()):
        info = store.create_run(TINY.to_dict(), owner=viewer.name, state="finished", owner_id=viewer.owner_id)
        gone[viewer.name] = info.run_id
    assert len(store.prune(0)) == 3

    assert [p["run_id"] for p in Classroom(jobs, alice).pruned_mine()] == [gone["alice"]]
    assert [p["run_id"] for p in Classroom(jobs, bob).pruned_mine()] == [gone["bob"]]
    assert [p["run_id"] for p in Classroom(jobs, TEACHER).pruned_mine()] == list(gone.values())
    assert Classroom(jobs, Viewer("nokey", class_mode=True)).pruned_mine() == []


# --- names and keys ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["otter-42", "abc", "a-b", "x" * 24, "0day"])
def test_a_valid_name_is_kept_without_a_message(name):
    assert clean_name(name) == (name, None)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Otter 42!", "otter-42"),
        ("  heron-07  ", "heron-07"),
        ("Ünïcødé", "n-c-d"),
        ("<b>x</b>", "b-x-b"),
        ("a--b", "a-b"),
        ("-lynx-", "lynx"),
    ],
)
def test_a_name_with_other_characters_is_cleaned_and_the_change_is_said(typed, expected):
    name, message = clean_name(typed)
    assert name == expected
    assert message.key == "class.name_cleaned"
    assert message.params["used"] == expected and message.params["value"] == typed
    rendered(message)


@pytest.mark.parametrize("typed", ["", "ab", "  x ", "!!!", "---", "语言", None, 42, ["otter-42"]])
def test_too_little_of_a_name_gives_a_random_one(typed):
    name, message = clean_name(typed)
    assert NAME_PATTERN.fullmatch(name)
    assert message.key == "class.name_too_short" and message.params["used"] == name
    rendered(message)


def test_a_long_name_is_cut_to_24_characters_and_stays_valid():
    for typed in ("a" * 100, "b" * 23 + "-" + "c" * 76, "Ab" * 50):
        name, message = clean_name(typed)
        assert len(name) <= 24 and NAME_PATTERN.fullmatch(name), name
        assert message.key == "class.name_cleaned"


@pytest.mark.parametrize(
    "typed",
    [
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "<<<>>>",
        "**bold** [link](javascript:x)",
        "a\u202eb\u200bc\x00d",
        "ｏｔｔｅｒ",
        "../../etc",
    ],
)
def test_no_name_ever_holds_markup_or_url_characters(typed):
    name, _ = clean_name(typed)
    assert NAME_PATTERN.fullmatch(name)
    assert not set(name) & set("<>\"'&/\\.*[]()`%?=# ")


def test_a_name_two_students_share_is_numbered_for_the_second_and_a_typed_name_cannot_fake_the_number():
    pairs = [("id-a", "otter-42"), ("id-b", "otter-42"), ("id-a", "otter-42"), ("id-c", "yak-01"),
             ("id-a", "seal-07"), ("id-d", "otter-42")]  # fmt: skip
    assert shown_names(pairs) == {
        ("id-a", "otter-42"): "otter-42",
        ("id-b", "otter-42"): "otter-42 (2)",
        ("id-c", "yak-01"): "yak-01",
        ("id-a", "seal-07"): "seal-07",  # a student who renamed: each name as it was, unnumbered
        ("id-d", "otter-42"): "otter-42 (3)",
    }
    assert clean_name("otter-42 (2)")[0] == "otter-42-2"  # a typed copy of the mark is not the mark


def test_random_names_and_keys_are_valid_and_differ():
    for animal in ANIMALS:
        for number in (0, 99):
            assert NAME_PATTERN.fullmatch(f"{animal}-{number:02d}"), animal
    assert all(NAME_PATTERN.fullmatch(random_name()) for _ in range(200))
    keys = {new_key() for _ in range(100)}
    assert len(keys) == 100 and all(KEY_PATTERN.fullmatch(k) for k in keys)
    a, b = sorted(keys)[:2]
    assert owner_id(a) == owner_id(a) != owner_id(b)
    assert a not in owner_id(a)


# --- the teacher password ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected", "matches"),
    [
        ("s3cret", "s3cret", True),
        ("s3cret ", "s3cret", False),
        ("S3cret", "s3cret", False),
        ("wrong", "s3cret", False),
        ("", "s3cret", False),
        ("s3cre", "s3cret", False),
        ("", "", False),  # an empty password is no password: class mode is off
        ("", None, False),
        ("s3cret", None, False),
        ("пароль", "пароль", True),
    ],
)
def test_password_matches(given, expected, matches):
    assert password_matches(given, expected) is matches


def test_the_password_is_compared_in_constant_time(monkeypatch):
    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(classroom.hmac, "compare_digest", spy)
    assert password_matches("right", "right")
    assert not password_matches("a much longer wrong password", "right")
    assert len(calls) == 2
    for a, b in calls:  # digests of the same length, so the time does not depend on what was typed
        assert isinstance(a, bytes) and len(a) == len(b) == 32
        assert b"right" not in a + b


def test_lockout_after_five_failures_for_thirty_seconds():
    assert LOCKOUT_FAILURES == 5 and LOCKOUT_S == 30.0
    t0 = 1_000_000.0
    failures = [t0 + i for i in range(LOCKOUT_FAILURES)]
    assert lockout_left([], now=t0) == 0.0
    assert lockout_left(failures[:-1], now=failures[-2] + 0.1) == 0.0  # 4 failures: try again at once
    assert lockout_left(failures, now=failures[-1]) == pytest.approx(LOCKOUT_S)
    assert lockout_left(failures, now=failures[-1] + 10) == pytest.approx(LOCKOUT_S - 10)
    assert lockout_left(failures, now=failures[-1] + LOCKOUT_S) == 0.0
    assert lockout_left(failures, now=failures[-1] + LOCKOUT_S + 5) == 0.0
    # Another failure after the pause pauses again, counted from that failure.
    again = [*failures, failures[-1] + LOCKOUT_S + 1]
    assert lockout_left(again, now=again[-1] + 1) == pytest.approx(LOCKOUT_S - 1)
    assert 0 < lockout_left([time.time()] * LOCKOUT_FAILURES) <= LOCKOUT_S


# --- the board --------------------------------------------------------------------------------------------


def test_an_absent_board_is_empty_and_a_published_recipe_keeps_its_checked_config(tmp_path):
    assert read_board(RunStore(tmp_path)) == Board()
    board = publish_recipe(RunStore(tmp_path), "  Small   and quick  ", TINY.to_dict())
    assert read_board(RunStore(tmp_path)) == board
    (recipe,) = board.recipes
    assert recipe.title == "Small and quick"
    assert KEY_PATTERN.fullmatch(recipe.recipe_id)
    assert TrainConfig.from_dict(recipe.config) == TINY
    partial = publish_recipe(RunStore(tmp_path), "Defaults but 2 epochs", {"epochs": 2}).recipes[1]
    assert partial.config == TrainConfig(epochs=2).to_dict()  # stored whole: a later default change keeps it


@pytest.mark.parametrize(
    ("title", "config", "key"),
    [
        ("Bad optimizer", {"optimizer": "adma"}, "train.not_one_of"),
        ("Unknown setting", {"epochz": 3}, "train.unknown_setting"),
        ("Wrong type", {"epochs": "many"}, "train.bad_type"),
        ("Not a dict", ["epochs", 3], "train.bad_type"),
        ("Zero epochs", {"epochs": 0}, "train.too_small"),
        ("", TINY.to_dict(), "class.title_needed"),
        ("   ", TINY.to_dict(), "class.title_needed"),
        (None, TINY.to_dict(), "class.title_needed"),
    ],
)
def test_a_bad_recipe_is_refused_and_the_board_is_unchanged(tmp_path, title, config, key):
    before = publish_recipe(RunStore(tmp_path), "Kept", TINY.to_dict())
    refused(lambda: publish_recipe(RunStore(tmp_path), title, config), key)
    assert read_board(RunStore(tmp_path)) == before


def test_pins_hold_a_few_short_strings(tmp_path):
    board = publish_pin(RunStore(tmp_path), "Edge detector", {"kernel": "sobel_x", "size": "5", "note": "y" * 100})
    (pin,) = board.pins
    assert pin.params == {"kernel": "sobel_x", "size": "5", "note": "y" * MAX_PIN_TEXT}
    for params in (
        {"size": 5},
        {5: "size"},
        {"": "x"},
        {"k" * (MAX_PIN_TEXT + 1): "x"},
        {f"p{i}": "1" for i in range(MAX_PIN_PARAMS + 1)},
        ["size", "5"],
        "size=5",
    ):
        refused(lambda params=params: publish_pin(RunStore(tmp_path), "Bad", params), "class.bad_pin")
    refused(lambda: publish_pin(RunStore(tmp_path), "", {"size": "3"}), "class.title_needed")
    assert read_board(RunStore(tmp_path)) == board
    assert len(publish_pin(RunStore(tmp_path), "Max", {f"p{i}": "1" for i in range(MAX_PIN_PARAMS)}).pins) == 2


def test_withdraw_and_sharing(tmp_path):
    publish_recipe(RunStore(tmp_path), "First", TINY.to_dict())
    second = publish_recipe(RunStore(tmp_path), "Second", TINY.to_dict()).recipes[1]
    pin = publish_pin(RunStore(tmp_path), "Pin", {"size": "3"}).pins[0]
    assert set_sharing(RunStore(tmp_path), True).sharing and read_board(RunStore(tmp_path)).sharing

    board = withdraw(RunStore(tmp_path), second.recipe_id)
    assert [r.title for r in board.recipes] == ["First"] and board.pins == (pin,) and board.sharing
    board = withdraw(RunStore(tmp_path), pin.pin_id)
    assert board.pins == () and [r.title for r in board.recipes] == ["First"]
    assert withdraw(RunStore(tmp_path), "0123456789abcdef") == board  # an unknown id changes nothing
    assert not set_sharing(RunStore(tmp_path), False).sharing
    assert read_board(RunStore(tmp_path)) == Board(False, board.recipes, ())


def test_the_board_holds_at_most_max_published_recipes_and_pins(tmp_path):
    for i in range(MAX_PUBLISHED):
        publish_recipe(RunStore(tmp_path), f"Recipe {i}", TINY.to_dict())
        publish_pin(RunStore(tmp_path), f"Pin {i}", {"size": str(i)})
    full = read_board(RunStore(tmp_path))
    assert len(full.recipes) == len(full.pins) == MAX_PUBLISHED
    refused(lambda: publish_recipe(RunStore(tmp_path), "One more", TINY.to_dict()), "class.board_full")
    refused(lambda: publish_pin(RunStore(tmp_path), "One more", {"size": "1"}), "class.board_full")
    assert read_board(RunStore(tmp_path)) == full
    withdraw(RunStore(tmp_path), full.recipes[0].recipe_id)
    assert len(publish_recipe(RunStore(tmp_path), "Room again", TINY.to_dict()).recipes) == MAX_PUBLISHED


@pytest.mark.parametrize(
    "content",
    [
        b"\x00\xff\xfe garbage \x80\x81",
        b'{"sharing": true, "recipes": [',
        b"",
        b"null",
        b"[1, 2, 3]",
        b'"a string"',
    ],
)
def test_a_damaged_board_reads_as_an_empty_one(tmp_path, content):
    (tmp_path / LEGACY_BOARD).parent.mkdir(parents=True)
    (tmp_path / LEGACY_BOARD).write_bytes(content)
    assert read_board(RunStore(tmp_path)) == Board()
    assert publish_pin(RunStore(tmp_path), "Fresh start", {"size": "3"}).pins[0].title == "Fresh start"


def test_a_damaged_item_is_dropped_and_the_rest_of_the_board_survives(tmp_path):
    publish_recipe(RunStore(tmp_path), "Good recipe", TINY.to_dict())
    publish_pin(RunStore(tmp_path), "Good pin", {"size": "3"})
    set_sharing(RunStore(tmp_path), True)
    state = classroom.class_state(RunStore(tmp_path))
    data = state.read_doc(classroom.BOARD)
    good_id = data["recipes"][0]["recipe_id"]
    data["recipes"] += [
        {"recipe_id": "0123456789abcdef", "title": "Bad config", "config": {"optimizer": "adma"}},
        {"recipe_id": "0123456789abcdee", "title": "", "config": TINY.to_dict()},
        {"title": "No id", "config": TINY.to_dict()},  # missing key
        "not an object",
        None,
    ]
    data["pins"] += [
        {"pin_id": "0123456789abcdef", "title": "Bad pin", "params": {"size": 3}},
        {"pin_id": "fedcba9876543210", "title": "Too many", "params": {f"p{i}": "1" for i in range(99)}},
    ]
    state.update_doc(classroom.BOARD, lambda _: data)

    board = read_board(RunStore(tmp_path))
    assert board.sharing
    assert [(r.recipe_id, r.title) for r in board.recipes] == [(good_id, "Good recipe")]
    assert [p.title for p in board.pins] == ["Good pin"]
    # The next change writes back the clean board.
    withdraw(RunStore(tmp_path), "0000000000000000")
    assert len(state.read_doc(classroom.BOARD)["recipes"]) == 1


def test_two_teacher_tabs_publishing_at_once_lose_nothing(tmp_path):
    start = threading.Barrier(2)
    errors = []

    def publish(tab: str) -> None:
        try:
            start.wait()
            for i in range(MAX_PUBLISHED // 2):
                publish_recipe(RunStore(tmp_path), f"{tab} {i}", TINY.to_dict())
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=publish, args=(tab,)) for tab in ("left", "right")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    titles = sorted(r.title for r in read_board(RunStore(tmp_path)).recipes)
    assert titles == sorted(f"{tab} {i}" for tab in ("left", "right") for i in range(MAX_PUBLISHED // 2))
    assert len({r.recipe_id for r in read_board(RunStore(tmp_path)).recipes}) == MAX_PUBLISHED


def test_a_change_that_fails_writes_nothing(tmp_path):
    before = publish_pin(RunStore(tmp_path), "Kept", {"size": "3"})

    def broken(board):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        update_board(RunStore(tmp_path), broken)
    assert read_board(RunStore(tmp_path)) == before
    # and the lock was released: the next change goes through
    assert set_sharing(RunStore(tmp_path), True).sharing


def test_resumable_state_check_does_not_leak_through_a_run_of_someone_else(jobs, bob, alices_runs):
    """A not-resumable run of another student answers "not found", not "jobs.not_resumable"."""
    running, ended = alices_runs
    jobs.store.write_status(ended, RunStatus("finished"))
    for run_id in (running, ended):
        refused(lambda run_id=run_id: Classroom(jobs, bob).resume(run_id), "runs.not_found")
    assert jobs.store.read_status(ended).state == "finished"  # not queued again


# --- damaged boards and races -----------------------------------------------------------------------------


@pytest.mark.parametrize("content", ['{"sharing": true, "recipes": 5}', '{"pins": 1.5}', '{"recipes": true}'])
def test_a_board_whose_lists_are_numbers_reads_as_an_empty_one(tmp_path, content):
    (tmp_path / LEGACY_BOARD).parent.mkdir(parents=True)
    (tmp_path / LEGACY_BOARD).write_text(content)
    assert read_board(RunStore(tmp_path)).recipes == ()


def test_a_damaged_sharing_flag_does_not_share_the_runs(tmp_path):
    (tmp_path / LEGACY_BOARD).parent.mkdir(parents=True)
    (tmp_path / LEGACY_BOARD).write_text('{"sharing": "false", "recipes": [], "pins": []}')
    assert not read_board(RunStore(tmp_path)).sharing


def test_delete_holds_the_queue_lock_like_resume_and_prune(jobs, alice, alices_runs, monkeypatch):
    _, ended = alices_runs
    held = watch_lock(jobs, monkeypatch)
    seen = []
    real_delete = RunStore.delete_run

    def delete_run(self, run_id):
        seen.append(bool(held))
        return real_delete(self, run_id)

    monkeypatch.setattr(RunStore, "delete_run", delete_run)
    Classroom(jobs, alice).delete(ended)
    assert seen == [True]


# --- pacing wrong teacher passwords (issue 12 item 10) ---------------------------------------------------


def test_wrong_passwords_pause_only_the_session_that_typed_them():
    # paced per client address, five wrong tries from anyone behind one address paused everyone
    from core.classroom import UnlockPacing

    pacing, t0 = UnlockPacing(), 1_000.0
    for i in range(LOCKOUT_FAILURES):
        assert pacing.wait_s("student", now=t0 + i) == 0.0
        pacing.failed("student", now=t0 + i)
    assert pacing.wait_s("student", now=t0 + 5) == pytest.approx(LOCKOUT_S - 1)
    assert pacing.wait_s("teacher", now=t0 + 5) == 0.0  # another browser session tries at once
    pacing.failed("teacher", now=t0 + 5)
    pacing.succeeded("teacher")
    assert pacing.wait_s("teacher", now=t0 + 6) == 0.0


def test_the_whole_server_allows_a_minutes_budget_of_wrong_passwords_and_never_pauses_longer():
    from core.classroom import SERVER_FAILURES_PER_WINDOW, SERVER_WINDOW_S, UnlockPacing

    assert SERVER_FAILURES_PER_WINDOW <= 60 and SERVER_WINDOW_S <= 60  # <= 86,400 guesses a day
    pacing, t0 = UnlockPacing(), 1_000.0
    for i in range(SERVER_FAILURES_PER_WINDOW):  # a script opening a fresh session for every guess
        pacing.failed(f"fresh-{i}", now=t0 + i * 0.5)
    last = t0 + (SERVER_FAILURES_PER_WINDOW - 1) * 0.5
    assert pacing.wait_s("teacher", now=last) == pytest.approx(SERVER_WINDOW_S - (last - t0))
    assert 0 < pacing.wait_s("teacher", now=last) <= SERVER_WINDOW_S
    assert pacing.wait_s("teacher", now=t0 + SERVER_WINDOW_S + 0.1) == 0.0  # the oldest aged out


def test_class_mode_refuses_a_teacher_password_under_ten_characters(monkeypatch):
    from core.settings import Settings

    monkeypatch.setenv("STRIDE_TEACHER_PASSWORD", "nine-char")
    with pytest.raises(ValueError, match="STRIDE_TEACHER_PASSWORD has 9 characters; class mode needs at least 10"):
        Settings.from_env()
    monkeypatch.setenv("STRIDE_TEACHER_PASSWORD", "ten-chars!")
    assert Settings.from_env().class_mode
