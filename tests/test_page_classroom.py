"""Class mode driven by AppTest: names and keys in the URL, whose runs each viewer sees, teacher mode, limits.

Class mode is on when STRIDE_TEACHER_PASSWORD is set. Runs are created directly in the run store
(no training): a student is a key, and a run is theirs when it stores that key's owner id. Nothing
here starts a worker: no warm worker, and where a queued run exists, a "running" run whose pid is
this test process holds the only slot, so the scheduler never starts it.
"""

from __future__ import annotations

import json
import os
import shutil
from urllib.parse import parse_qs

import pytest

from core import classroom
from core.classroom import KEY_PATTERN, NAME_PATTERN, read_board
from core.config import TrainConfig
from core.i18n import Message, escape_markdown, t
from core.model_files import MODELS_DIR
from core.runs import PRUNE_LOG, RunStore

PASSWORD = "s3cret-teacher"
KEY_A, KEY_B = "a1" * 8, "b2" * 8  # two students' keys (16 hex characters)
HOME, CLASS, TRAINING, PREDICT, CONVOLUTION = (
    "pages/home.py",
    "pages/classroom.py",
    "pages/training.py",
    "pages/predict.py",
    "pages/convolution.py",
)


# --- fixtures and helpers --------------------------------------------------------------------------------


@pytest.fixture
def store(tmp_path) -> RunStore:
    """The run store the `app` fixture points STRIDE_RUNS_DIR at."""
    return RunStore(tmp_path / "runs")


@pytest.fixture
def class_mode(monkeypatch, no_warm_worker):
    """Turn class mode on (a teacher password), before any page opens."""
    monkeypatch.setenv("STRIDE_TEACHER_PASSWORD", PASSWORD)


def _text(key: str, **params) -> str:
    """The English text of a Message as the pages show it (parameters Markdown-escaped)."""
    return Message(key, params).text("en", markdown=True)


def _values(elements) -> list[str]:
    return [e.value for e in elements]


def _run(store: RunStore, key: str | None, name: str | None, state: str = "finished", **config) -> str:
    """Create a run in the store for the student holding ``key``; return its id."""
    config = TrainConfig(**{"dataset": "digits", "model": "lenet", "epochs": 1, **config}).to_dict()
    owner_id = classroom.owner_id(key) if key else None
    return store.create_run(config, owner=name, owner_id=owner_id, state=state).run_id


def _running_here(store: RunStore, run_id: str) -> None:
    """Mark a run as running in this (live) process: it holds a slot, and the scheduler leaves it be."""
    store.update_status(run_id, state="running", pid=os.getpid(), host=store.host)


def _with_model(store: RunStore, run_id: str) -> None:
    """Give a run the bundled digits model as its trained model, so the predict page lists it."""
    for name in ("model.safetensors", "model.json"):
        shutil.copy(MODELS_DIR / "digits_lenet" / name, store.run_dir(run_id) / name)


def _owners(at) -> list[str]:
    """Return the run list's owner column (the table is the last dataframe on the training page)."""
    table = at.dataframe[-1].value
    return list(table[t("classroom.col_owner")]) if t("classroom.col_owner") in table.columns else []


def _listed(at) -> list[str]:
    """Return the run ids in the run list (empty when the list is empty): its table's "run id" column."""
    if not any(s.key == "train.selected" for s in at.selectbox):
        return []
    table = next(d.value for d in at.dataframe if t("training.col_run") in d.value.columns)
    return list(table[t("training.col_run")])


def _select(at, run_id: str):
    at.selectbox(key="train.selected").set_value(run_id).run()
    assert not at.exception, at.exception
    return at


def _buttons(at) -> dict[str, bool]:
    """Return {button key: enabled} of the selected run's Stop, Resume and Delete."""
    keys = ("train.stop_selected", "train.resume", "train.delete")
    return {key: not at.button(key=key).disabled for key in keys}


def _unlock(at, password: str = PASSWORD):
    """Type a password on the Class page and press Unlock."""
    at.text_input(key="class.password").input(password)
    at.button(key="class.unlock").click().run()
    assert not at.exception, at.exception
    return at


def _teacher(app, page: str | None = None, **query):
    """Open the Class page, unlock teacher mode, then go to ``page`` (with ``query`` in the URL)."""
    at = _unlock(app(CLASS))
    assert _text("classroom.teacher_on") in _values(at.success)
    if page is not None:
        at.switch_page(page)
        at.query_params.update(query)
        at.run()
        assert not at.exception, at.exception
    return at


def _nodes(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def _assert_nowhere(at, secret: str) -> None:
    """Fail if ``secret`` is in the URL or in any element the page sent (labels, values, defaults)."""
    assert secret not in json.dumps(dict(at.query_params))
    for block in (at.main, at.sidebar):
        for node in _nodes(block):
            assert secret not in str(getattr(node, "proto", "")), node


def _limits(at) -> dict[str, tuple[str, str]]:
    """Return the Class page's limits table as {limit: (value, now)}."""
    table = at.dataframe[0].value
    columns = [t("classroom.limit"), t("classroom.value"), t("classroom.now")]
    return {limit: (value, now) for limit, value, now in table[columns].itertuples(index=False)}


def _page_links(at) -> dict[str, dict[str, list[str]]]:
    """Return {label: query parameters} of every page link on the page."""
    return {link.value: parse_qs(link.proto.query_string) for link in at.get("page_link")}


# --- 1. identity -------------------------------------------------------------------------------------------


def test_a_first_visit_gets_a_name_and_a_key_in_the_url(app, class_mode):
    at = app()
    assert NAME_PATTERN.fullmatch(at.query_params["me"]), at.query_params
    assert KEY_PATTERN.fullmatch(at.query_params["key"]), at.query_params
    assert at.sidebar.text_input(key="class.name").value == at.query_params["me"]
    assert not at.sidebar.warning
    at.switch_page(CLASS).run()  # the Class page is in the navigation
    assert not at.exception
    assert _text("classroom.you", name=at.query_params["me"]) in _values(at.markdown)


def test_a_name_from_the_url_is_cleaned_and_a_valid_key_kept(app, class_mode):
    at = app(me="Otter 42!", key=KEY_A)
    assert at.query_params["key"] == KEY_A
    assert at.query_params["me"] == "otter-42"
    assert at.sidebar.text_input(key="class.name").value == "otter-42"
    assert _values(at.sidebar.warning) == [_text("class.name_cleaned", value="Otter 42!", used="otter-42")]
    at.run()  # the message is shown once
    assert not at.sidebar.warning and at.query_params["key"] == KEY_A


def test_a_bad_key_in_the_url_is_replaced_with_a_warning(app, class_mode):
    at = app(me="heron-07", key="zzz")
    assert _values(at.sidebar.warning) == [_text("class.bad_key")]
    key = at.query_params["key"]
    assert key != "zzz" and KEY_PATTERN.fullmatch(key)
    assert at.query_params["me"] == "heron-07"


def test_a_name_with_too_little_left_gets_a_random_one(app, class_mode):
    at = app(me="!!", key=KEY_A)
    name = at.query_params["me"]
    assert NAME_PATTERN.fullmatch(name) and at.sidebar.text_input(key="class.name").value == name
    assert _values(at.sidebar.warning) == [_text("class.name_too_short", value="!!", used=name)]


def test_a_typed_name_is_cleaned_and_the_key_stays(app, class_mode):
    at = app(key=KEY_A)
    at.sidebar.text_input(key="class.name").input("Bad Name").run()
    assert not at.exception
    assert at.sidebar.text_input(key="class.name").value == "bad-name"
    assert at.query_params["me"] == "bad-name" and at.query_params["key"] == KEY_A
    assert _values(at.sidebar.warning) == [_text("class.name_cleaned", value="Bad Name", used="bad-name")]


def test_without_a_teacher_password_there_is_no_identity_and_no_class_page(app, monkeypatch, no_warm_worker):
    monkeypatch.delenv("STRIDE_TEACHER_PASSWORD", raising=False)
    at = app()
    assert "me" not in at.query_params and "key" not in at.query_params
    assert not any(w.key == "class.name" for w in at.sidebar.text_input)
    with pytest.raises(ValueError, match="navigation page"):
        at.switch_page(CLASS)


# --- 2. isolation through the URL ----------------------------------------------------------------------


def test_another_students_run_is_missing_for_a_student_in_the_url_and_the_list(app, class_mode, store):
    theirs = _run(store, KEY_A, "alice")
    mine = _run(store, KEY_B, "bob")
    at = app(TRAINING, me="bob", key=KEY_B, run=theirs)
    assert _text("runs.not_found", run_id=theirs) in _values(at.warning), _values(at.warning)
    assert "run" not in at.query_params
    assert _listed(at) == [mine]
    assert theirs not in at.dataframe[-1].value.to_string()
    assert not any(theirs in option for option in at.multiselect(key="train.compare").options)
    assert _owners(at) == []  # a student's own list has no owner column
    assert not any(s.key == "train.scope" for s in at.segmented_control)  # nothing to switch to while not shared


def test_another_students_model_is_refused_on_the_predict_page(app, class_mode, store):
    theirs = _run(store, KEY_A, "alice")
    _with_model(store, theirs)
    at = app(PREDICT, me="bob", key=KEY_B, model=f"run:{theirs}")
    choices = at.selectbox(key="predict.model").options
    assert not any(theirs in c for c in choices), choices
    warnings = [w for w in _values(at.warning) if "is not a model here" in w]
    assert len(warnings) == 1 and theirs in warnings[0], _values(at.warning)
    assert at.selectbox(key="predict.model").value == "bundled:digits_lenet"
    assert at.query_params["model"] == "bundled:digits_lenet"
    # while the teacher shares, the same link works for everyone
    classroom.set_sharing(store, True)
    at = app(PREDICT, me="bob", key=KEY_B, model=f"run:{theirs}")
    assert at.selectbox(key="predict.model").value == f"run:{theirs}"
    classroom.set_sharing(store, False)
    # its owner picks it from the same link
    at = app(PREDICT, me="alice", key=KEY_A, model=f"run:{theirs}")
    assert not at.warning, _values(at.warning)
    assert at.selectbox(key="predict.model").value == f"run:{theirs}"


def test_shared_runs_are_read_only_for_other_students(app, class_mode, store):
    finished = _run(store, KEY_A, "alice")
    interrupted = _run(store, KEY_A, "alice", state="interrupted")
    running = _run(store, KEY_A, "alice")
    _running_here(store, running)
    mine = _run(store, KEY_B, "bob")
    classroom.set_sharing(store, True)

    at = app(TRAINING, me="bob", key=KEY_B)
    assert at.segmented_control(key="train.scope").value == "mine"
    assert _listed(at) == [mine]
    at.segmented_control(key="train.scope").set_value("class").run()
    assert not at.exception
    assert set(_listed(at)) == {finished, interrupted, running, mine}
    assert sorted(_owners(at)) == ["alice", "alice", "alice", "bob"]
    for run_id in (finished, interrupted, running):
        assert _buttons(_select(at, run_id)) == dict.fromkeys(_buttons(at), False), run_id
    assert _buttons(_select(at, mine))["train.delete"]
    # a shared run can be watched by its id in the URL
    at = app(TRAINING, me="bob", key=KEY_B, run=finished)
    assert not at.warning, _values(at.warning)
    assert at.query_params["run"] == finished

    # alice, from her bookmarked link: her runs under "mine", each button hers to press
    at = app(TRAINING, me="alice", key=KEY_A)
    assert at.segmented_control(key="train.scope").value == "mine"
    assert set(_listed(at)) == {finished, interrupted, running}
    assert _buttons(_select(at, finished)) == {
        "train.stop_selected": False,
        "train.resume": False,
        "train.delete": True,
    }
    assert _buttons(_select(at, interrupted))["train.resume"]
    assert _buttons(_select(at, running))["train.stop_selected"]
    _select(at, finished).button(key="train.delete").click().run()
    assert not at.exception and not store.exists(finished)


# --- 3. the teacher ------------------------------------------------------------------------------------------


def _teacher_mode_on(at) -> bool:
    return _text("classroom.teacher_on") in _values(at.success)


def test_a_wrong_teacher_password_is_refused(app, class_mode):
    at = _unlock(app(CLASS, key=KEY_A), "wrong")
    assert _values(at.error) == [_text("classroom.wrong_password")]
    assert not _teacher_mode_on(at)
    assert at.text_input(key="class.password").value == ""
    assert not any(t("sidebar.teacher_on") in c.value for c in at.sidebar.caption)
    _assert_nowhere(at, "wrong")


def test_repeated_wrong_passwords_pause_unlocking(app, class_mode, monkeypatch):
    at = app(CLASS)
    for _ in range(classroom.LOCKOUT_FAILURES):
        _unlock(at, "guess")
    _unlock(at, PASSWORD)  # even the right one waits for the pause
    pause = round(classroom.LOCKOUT_S)
    locked = [_text("classroom.locked", seconds=s) for s in range(pause - 5, pause + 1)]  # a slow machine
    assert any(e in locked for e in _values(at.error)), _values(at.error)
    assert not _teacher_mode_on(at)
    monkeypatch.setattr(classroom, "LOCKOUT_S", 0.0)  # the pause is over
    _unlock(at, PASSWORD)
    assert _teacher_mode_on(at)


def test_a_students_wrong_passwords_never_lock_the_teacher_out(app, class_mode):
    # issue 12 item 10: tries were counted per client address, None on localhost and shared behind a NAT
    student = app(CLASS)
    for _ in range(classroom.LOCKOUT_FAILURES + 2):
        _unlock(student, "guess")
    assert any("Too many wrong passwords" in e for e in _values(student.error))
    teacher = app(CLASS)  # another browser session, behind the same address
    _unlock(teacher, PASSWORD)
    assert _teacher_mode_on(teacher)


def test_enter_in_the_password_field_unlocks_and_a_try_counts_once(app, class_mode):
    at = app(CLASS)
    at.text_input(key="class.password").input("guess").run()  # Enter: a wrong try, said at once
    assert _values(at.error) == [_text("classroom.wrong_password")]
    for _ in range(classroom.LOCKOUT_FAILURES - 2):
        _unlock(at, "guess")  # typed and clicked: one try each, not two
    at.button(key="class.unlock").click().run()  # an empty field is no try (it would be the one that pauses)
    assert not at.error
    at.text_input(key="class.password").input(PASSWORD).run()  # not paused: Enter unlocks
    assert _teacher_mode_on(at)


def test_the_right_password_turns_teacher_mode_on_and_is_never_shown(app, class_mode):
    at = _unlock(app(CLASS, me="mrs-smith", key=KEY_A), PASSWORD)
    assert _teacher_mode_on(at)
    assert not at.error
    assert not any(k == "class.password" for k in (w.key for w in at.text_input))  # locked form gone
    assert at.session_state["class.password"] == ""
    assert any(t("sidebar.teacher_on") in c.value for c in at.sidebar.caption)
    _assert_nowhere(at, PASSWORD)
    assert at.query_params["key"] == KEY_A and at.query_params["me"] == "mrs-smith"
    # leaving teacher mode
    at.button(key="class.lock").click().run()
    assert not _teacher_mode_on(at)
    assert at.text_input(key="class.password").value == ""


def test_the_teachers_run_list_tells_apart_two_students_who_share_a_name(app, class_mode, store):
    alices = _run(store, KEY_A, "alice")
    namesake = _run(store, KEY_B, "alice")
    at = _teacher(app, TRAINING)
    table = at.dataframe[-1].value
    owners = dict(zip(table[t("training.col_run")], table[t("classroom.col_owner")], strict=True))
    assert owners == {alices: "alice", namesake: "alice (2)"}
    picker = at.selectbox(key="train.selected")  # the run to watch names its student too
    assert sorted(label.split(" · ")[0] for label in picker.options) == ["alice", "alice (2)"]


def test_the_run_lists_queue_column_counts_from_one_as_the_banner_does(app, class_mode, store):
    _running_here(store, _run(store, KEY_A, "alice", "running"))  # holds the one slot
    first, second = _run(store, KEY_B, "bob", "queued"), _run(store, KEY_B, "bob", "queued")
    at = _teacher(app, TRAINING)
    table = at.dataframe[-1].value
    places = dict(zip(table[t("training.col_run")], table[t("training.col_queue")], strict=True))
    assert (places[first], places[second]) == ("1", "2")  # "1": it starts as soon as the running run ends


def test_the_teacher_shares_sees_every_run_and_deletes_any(app, class_mode, store):
    alices = _run(store, KEY_A, "alice")
    bobs = _run(store, KEY_B, "bob")
    at = _teacher(app)
    assert not read_board(store).sharing
    at.toggle(key="class.sharing").set_value(True).run()
    assert not at.exception
    assert read_board(store).sharing
    at.toggle(key="class.sharing").set_value(False).run()
    assert not read_board(store).sharing

    at.switch_page(TRAINING).run()
    assert not at.exception
    assert set(_listed(at)) == {alices, bobs}
    assert sorted(_owners(at)) == ["alice", "bob"]
    assert not any(s.key == "train.scope" for s in at.segmented_control)  # the teacher's list is every run
    _select(at, bobs).button(key="train.delete").click().run()
    assert not at.exception, at.exception
    assert not store.exists(bobs) and store.exists(alices)
    assert _listed(at) == [alices]


def test_a_published_recipe_reaches_the_students(app, class_mode, store):
    title = "Quick LeNet"
    at = _teacher(app, TRAINING)
    at.number_input(key="train.epochs").set_value(3).run()
    at.text_input(key="train.publish_title").input(title)
    at.button(key="train.publish").click().run()
    assert not at.exception
    assert _text("class.published", title=title) in _values(at.success)
    (recipe,) = read_board(store).recipes
    assert recipe.title == title and recipe.config["epochs"] == 3

    at = app(HOME, me="bob", key=KEY_B)
    links = _page_links(at)
    assert links[title] == {"recipe": [recipe.recipe_id]}, links

    at = app(TRAINING, me="bob", key=KEY_B, recipe=recipe.recipe_id)
    assert at.number_input(key="train.epochs").value == 3
    assert _text("class.recipe_loaded", title=title) in _values(at.info), _values(at.info)
    assert "recipe" not in at.query_params  # read once
    assert not any(e.key == "train.publish_title" for e in at.text_input)  # students publish nothing

    at = app(TRAINING, me="bob", key=KEY_B, recipe="0123456789abcdef")
    assert _text("class.recipe_gone", value="0123456789abcdef") in _values(at.warning), _values(at.warning)
    assert at.number_input(key="train.epochs").value == TrainConfig().epochs


def test_pinned_convolution_settings_reach_the_students_until_withdrawn(app, class_mode, store):
    title = "Stride 2 skips pixels"
    at = _teacher(app, CONVOLUTION, kernel="5", stride="2")
    at.text_input(key="conv.pin_title").input(title)
    at.button(key="conv.pin").click().run()
    assert not at.exception
    assert _text("class.published", title=title) in _values(at.success)
    (pin,) = read_board(store).pins
    assert pin.title == title
    assert pin.params["kernel"] == "5" and pin.params["stride"] == "2"

    student = app(HOME, me="bob", key=KEY_B)
    links = _page_links(student)
    assert links[title]["kernel"] == ["5"] and links[title]["stride"] == ["2"], links
    student.switch_page(CONVOLUTION)
    student.query_params.update({k: v[0] for k, v in links[title].items()})
    student.run()
    assert not student.exception and not student.warning
    assert student.session_state["conv.matrix.kernel_h"] == 5 and student.session_state["conv.matrix.stride_h"] == 2
    assert not any(e.key == "conv.pin_title" for e in student.text_input)  # students pin nothing

    at.switch_page(CLASS).run()
    assert title in _values(at.text)
    at.button(key=f"class.withdraw_{pin.pin_id}").click().run()
    assert not at.exception
    assert read_board(store).pins == ()
    assert title not in _page_links(app(HOME, me="bob", key=KEY_B))


def test_a_title_with_markdown_or_html_is_shown_as_typed(app, class_mode, store):
    title = "**bold** <script>x</script>"
    classroom.publish_recipe(store, title, TrainConfig(epochs=2).to_dict())
    at = app(HOME, me="bob", key=KEY_B)
    labels = list(_page_links(at))
    assert escape_markdown(title) in labels, labels
    assert r"\*\*bold\*\* \<script\>x\</script\>" in labels
    assert title not in labels

    (recipe,) = read_board(store).recipes
    at = app(TRAINING, me="bob", key=KEY_B, recipe=recipe.recipe_id)
    assert _text("class.recipe_loaded", title=title) in _values(at.info)  # the title Markdown-escaped


# --- 4. limits ------------------------------------------------------------------------------------------------


def test_too_many_epochs_are_refused_in_the_form(app, monkeypatch, no_warm_worker):
    monkeypatch.setenv("STRIDE_MAX_EPOCHS", "3")
    at = app(TRAINING)
    at.number_input(key="train.epochs").set_value(5).run()
    assert _text("limits.epochs", value=5, limit=3) in _values(at.error), _values(at.error)
    assert at.button(key="train.start").disabled
    at.number_input(key="train.epochs").set_value(3).run()
    assert not at.error and not at.button(key="train.start").disabled


def test_too_many_samples_are_refused_in_the_form(app, monkeypatch, no_warm_worker):
    monkeypatch.setenv("STRIDE_MAX_SAMPLES", "500")
    at = app(TRAINING)
    at.selectbox(key="train.dataset").set_value("shapes").run()
    at.number_input(key="train.max_samples").set_value(0).run()
    assert _text("limits.samples", value="6,000", limit="500") in _values(at.error), _values(at.error)
    assert at.button(key="train.start").disabled
    at.number_input(key="train.max_samples").set_value(400).run()
    assert not at.error and not at.button(key="train.start").disabled


@pytest.fixture
def one_slot_taken(monkeypatch, store):
    """One run at a time, and a run of another student holds that slot (so queued runs stay queued)."""
    monkeypatch.setenv("STRIDE_MAX_CONCURRENT_RUNS", "1")
    blocker = _run(store, "c3" * 8, "carol")
    _running_here(store, blocker)
    return blocker


def test_one_run_per_student_is_refused_on_start(app, class_mode, monkeypatch, store, one_slot_taken):
    monkeypatch.setenv("STRIDE_MAX_RUNS_PER_STUDENT", "1")
    mine = _run(store, KEY_B, "bob", state="queued")
    at = app(TRAINING, me="bob", key=KEY_B)
    assert _listed(at) == [mine]
    at.button(key="train.start").click().run()
    assert not at.exception
    assert _text("limits.per_student", active=1, limit=1) in _values(at.error), _values(at.error)
    assert len(store.list_runs()) == 2
    assert store.read_status(mine).state == "queued"
    at.button(key="train.recipe_lenet_digits").click().run()  # at the top of the page, far above that message
    assert _text("limits.per_student", active=1, limit=1) in _values(at.toast)  # a toast shows where one is
    assert len(store.list_runs()) == 2


def test_a_full_queue_is_refused_on_start(app, class_mode, monkeypatch, store, one_slot_taken):
    monkeypatch.setenv("STRIDE_MAX_QUEUE", "1")
    _run(store, KEY_A, "alice", state="queued")
    at = app(TRAINING, me="bob", key=KEY_B)
    at.button(key="train.start").click().run()
    assert not at.exception
    assert _text("limits.queue_full", queued=1, limit=1) in _values(at.error), _values(at.error)
    assert len(store.list_runs()) == 2


def test_the_run_list_says_what_this_server_allows(app, class_mode, monkeypatch):
    for name, value in {
        "STRIDE_MAX_CONCURRENT_RUNS": "2",
        "STRIDE_MAX_QUEUE": "7",
        "STRIDE_MAX_RUNS_PER_STUDENT": "3",
        "STRIDE_MAX_EPOCHS": "12",
        "STRIDE_MAX_SAMPLES": "4000",
        "STRIDE_RUNS_QUOTA_MB": "1500",
    }.items():
        monkeypatch.setenv(name, value)
    at = app(TRAINING, me="bob", key=KEY_B)
    expected = t(
        "class.server_limits",
        running=2,
        queue=7,
        per_student=t("class.per_student", limit=3),
        epochs=12,
        samples="4,000",
        used="0",
        quota="1,500",
    )
    assert expected in _values(at.caption), _values(at.caption)


def test_a_student_is_told_which_of_their_runs_the_quota_deleted(app, class_mode, store):
    mine, theirs = "20250101-000000-0000aaaa", "20250101-000000-0000bbbb"
    store.root.mkdir(parents=True, exist_ok=True)
    lines = [
        {"run_id": mine, "owner_id": classroom.owner_id(KEY_B), "owner": "bob", "bytes": 10, "at": 1.0},
        {"run_id": theirs, "owner_id": classroom.owner_id(KEY_A), "owner": "alice", "bytes": 10, "at": 2.0},
    ]
    (store.root / PRUNE_LOG).write_text("".join(json.dumps(line) + "\n" for line in lines))
    at = app(TRAINING, me="bob", key=KEY_B)
    notices = [i for i in _values(at.info) if t("class.pruned", runs="").split(":")[0] in i]
    assert notices == [_text("class.pruned", runs=mine)], _values(at.info)
    at = app(TRAINING, me="alice", key=KEY_A)
    assert _text("class.pruned", runs=theirs) in _values(at.info)
    assert mine not in " ".join(_values(at.info))


LIMIT_ENV = {
    "STRIDE_MAX_RUNS_PER_STUDENT": "2",
    "STRIDE_MAX_QUEUE": "9",
    "STRIDE_MAX_EPOCHS": "12",
    "STRIDE_MAX_SAMPLES": "4000",
    "STRIDE_MAX_UPLOAD_MB": "5",
    "STRIDE_RUNS_QUOTA_MB": "1500",
}


def test_the_class_page_shows_the_limits_and_the_students_runs_against_them(
    app, class_mode, monkeypatch, store, one_slot_taken
):
    for name, value in LIMIT_ENV.items():
        monkeypatch.setenv(name, value)
    _run(store, KEY_B, "bob", state="queued")
    at = app(CLASS, me="bob", key=KEY_B)
    assert _limits(at) == {
        t("classroom.limit_running"): ("1", "1"),  # carol's run holds the one slot
        t("classroom.limit_queue"): ("9", "1"),
        t("classroom.limit_student"): ("2", "1"),  # bob's queued run
        t("classroom.limit_epochs"): ("12", ""),
        t("classroom.limit_samples"): ("4,000", ""),
        t("classroom.limit_steps"): ("100,000", ""),
        t("classroom.limit_minutes"): ("60 min", ""),
        t("classroom.limit_student_disk"): ("256 MB", ""),
        t("classroom.limit_upload"): ("5 MB", ""),
        t("classroom.limit_disk"): ("1,500 MB", "0 MB"),
    }


def test_the_teachers_per_student_row_counts_the_teachers_own_runs(app, class_mode, store, one_slot_taken):
    _run(store, KEY_B, "bob", state="queued")
    at = _teacher(app)
    assert _limits(at)[t("classroom.limit_student")][1] == "0"  # the teacher has no run queued or running


def test_a_link_to_share_a_view_carries_its_settings_but_never_the_name_or_key(app, class_mode):
    # issue 12 item 11: every URL carries `key`, and whoever opens a shared address acts as its owner
    at = app(CONVOLUTION, me="otter-42", key=KEY_A, size="7", kernel="3")
    assert at.query_params["key"] == KEY_A  # the address bar: personal
    assert any(t("sidebar.personal_link") in c.value for c in at.sidebar.caption)
    at.sidebar.button(key="class.share_view").click().run()
    (link,) = [c.value for c in at.sidebar.code]
    assert "size=7" in link and "kernel=3" in link
    assert KEY_A not in link and "key=" not in link and "me=" not in link and "otter-42" not in link
    at.run()  # the next change of view hides it: a link is made for the view it was asked in
    assert not at.sidebar.code
