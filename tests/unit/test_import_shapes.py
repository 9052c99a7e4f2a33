"""The shapes roadmaps come in, each read as its author meant it: weeks, months, days,
tables of weeks, lists of weeks, <details> sections; projects and practice; "choose one"
blocks as a choice between options; and the shapes refused, with what to send instead."""

from __future__ import annotations

import pytest

from core.importing.items import option_label
from core.importing.markdown import ImportedTrack, ImportRefused, import_markdown, preview
from core.learning.tracks import Track, Week


def imported(text: str) -> ImportedTrack:
    result = import_markdown(text)
    assert isinstance(result, ImportedTrack), result
    return result


def refused(text: str) -> str:
    result = import_markdown(text)
    assert isinstance(result, ImportRefused), result
    return result.reason


def titles(week: Week) -> list[str]:
    return [i.title for i in week.items]


def kinds(week: Week) -> list[str]:
    return [i.kind.value for i in week.items]


def week_titles(track: Track) -> list[str]:
    return [w.title for w in track.weeks]


def everything(track: Track) -> list[str]:
    return [i.title for w in track.weeks for i in (*w.items, *w.alternatives)]


# --- practice and projects ---------------------------------------------------------


def test_a_practice_block_is_the_weeks_project_when_it_names_no_other() -> None:
    result = imported(
        "## Week 1: Basics\n- Variables\n\n- **Practice:**\n  - Build a tip calculator\n\n"
        "## Week 2: Files\n- Paths\n\n**Practice:**\n- Read a CSV file\n\n"
        "**Project:** A log summariser\n"
    )
    first, second = result.track.weeks
    assert first.projects == ("Build a tip calculator",)
    # Beside a project, practice is practice.
    assert kinds(second) == ["learn", "practice", "build"]
    assert second.projects == ("A log summariser",)


@pytest.mark.parametrize(
    ("block", "kind"),
    [
        ("Practice Project: Build a URL shortener", "build"),
        ("### Project\n- Build a URL shortener", "build"),
        ("### Mini Projects\n- Build a URL shortener", "build"),
        ("- Exercise: Build a URL shortener", "practice"),
        ("**Exercises:**\n- Build a URL shortener", "practice"),
        ("**Capstone:**\n\nBuild a URL shortener", "build"),
    ],
)
def test_labelled_blocks_give_their_kind(block: str, kind: str) -> None:
    result = imported(f"## Week 1: Web\n- HTTP\n\n{block}\n\n## Week 2: More\n- x\n")
    first = result.track.weeks[0]
    assert titles(first) == ["HTTP", "Build a URL shortener"]
    assert kinds(first) == ["learn", kind]


def test_a_project_heading_with_nothing_under_it_is_the_project() -> None:
    result = imported("## Week 1: Web\n- HTTP\n\n### Final Project\n\n## Week 2: More\n- x\n")
    assert result.track.weeks[0].projects == ("Final Project",)


def test_a_topic_whose_details_end_in_projects_is_a_topic() -> None:
    result = imported(
        "## Week 1: Git\n- Collaboration workflows: Forking, contributing to open-source projects\n"
        "- Capstone Projects\n  - A team repository\n\n## Week 2: More\n- x\n"
    )
    first = result.track.weeks[0]
    assert first.topics == (
        "Collaboration workflows: Forking, contributing to open-source projects",
    )
    assert first.projects == ("A team repository",)


def test_projects_after_a_range_of_weeks_close_its_last_week() -> None:
    result = imported(
        "## Week 1-2: Basics\n- a\n- b\n- c\n- d\n\n**Practice Projects for Phase 1:**\n"
        "- Calculator\n- Quiz game\n\n## Week 3: Next\n- e\n"
    )
    assert [(titles(w), w.projects) for w in result.track.weeks] == [
        (["a", "b"], ()),
        (["c", "d", "Calculator", "Quiz game"], ("Calculator", "Quiz game")),
        (["e"], ()),
    ]


def test_a_project_section_after_a_phases_weeks_belongs_to_its_last_week() -> None:
    result = imported(
        "# Plan\n## Phase 1\n### Week 1: Basics\n- a\n### Week 2: Loops\n- b\n"
        "### Phase 1 Project\n- Build a quiz game\n\n"
        "## Phase 2\n### Week 3: Files\n- c\n"
    )
    assert week_titles(result.track) == ["Basics", "Loops", "Files"]
    assert result.track.weeks[1].projects == ("Build a quiz game",)
    assert result.warnings == []


# --- choose one --------------------------------------------------------------------

CHOOSE_ONE = """# Backend

## Week 1: HTTP
- Requests and responses

## Week 2-3: Web Framework (Choose One - See Comparison Below)

### Option A: FastAPI (Recommended for 2025) - 2 weeks
| Topic | What You'll Learn | Time |
|-------|-------------------|------|
| Routing | path and query parameters | 2 days |
| Pydantic | validation | 2 days |
| Dependencies | injection | 1 day |

### Option B: Django - 2-3 weeks
- Models and the ORM
- Views and URLs

## Week 4: Deployment
- Docker
"""


def test_a_choose_one_block_is_a_choice_over_its_weeks() -> None:
    track = imported(CHOOSE_ONE).track
    assert week_titles(track) == [
        "HTTP",
        "Web Framework (1/2)",
        "Web Framework (2/2)",
        "Deployment",
    ]
    first, second = track.weeks[1:3]
    for w in (first, second):
        assert w.choice == "c1"
        assert [(o.id, o.label) for o in w.options] == [("a", "FastAPI"), ("b", "Django")]
    # Each option's items are shared out over the span, as a range's are.
    assert titles(first) == ["Routing: path and query parameters", "Pydantic: validation"]
    assert titles(second) == ["Dependencies: injection"]
    assert [i.option for i in (*first.items, *second.items)] == ["a", "a", "a"]
    assert [(i.title, i.option) for i in first.alternatives] == [("Models and the ORM", "b")]
    assert [(i.title, i.option) for i in second.alternatives] == [("Views and URLs", "b")]
    # Alternatives are numbered after the week's items; ids stay unique.
    assert [i.id for i in (*first.items, *first.alternatives)] == ["w02-01", "w02-02", "w02-03"]
    assert [i.hours for i in first.items] == [4.0, 4.0]
    # A learner who picks Django follows Django's items.
    assert titles(second.following("b")) == ["Views and URLs"]
    assert track.weeks[0].options == () and track.weeks[3].choice == ""


def test_the_preview_names_the_choice() -> None:
    [line] = [line for line in preview(imported(CHOOSE_ONE)).splitlines() if "FastAPI" in line]
    assert line.startswith("Weeks 2–3:") and "Django" in line


def test_option_entries_in_a_week_are_a_choice() -> None:
    track = imported(
        "## Week 1: Basics\n- a\n\n## Week 2: Framework\n- HTTP recap\n"
        "- Option A: Flask\n  - routes\n  - templates\n- Option B: Django\n  - views\n\n"
        "## Week 3: More\n- b\n"
    ).track
    framework = track.weeks[1]
    assert [o.label for o in framework.options] == ["Flask", "Django"]
    assert [(i.title, i.option) for i in framework.items] == [
        ("HTTP recap", ""),
        ("routes", "a"),
        ("templates", "a"),
    ]
    assert [(i.title, i.option) for i in framework.alternatives] == [("views", "b")]


def test_option_paragraphs_hold_the_blocks_up_to_the_next() -> None:
    track = imported(
        "## Week 1: Basics\n- a\n\n## Week 2: Framework\n\n**Option 1:** Flask\n- routes\n\n"
        "**Option 2:** Django\n- views\n- admin\n\n## Week 3: More\n- b\n"
    ).track
    framework = track.weeks[1]
    assert [o.label for o in framework.options] == ["Flask", "Django"]
    assert titles(framework) == ["routes"]
    assert [i.title for i in framework.alternatives] == ["views", "admin"]


@pytest.mark.parametrize(
    "block",
    [
        "**Capstone Options:**\n\n1. Finance tracker API\n2. Chat service\n3. Shop API",
        "Project ideas (choose one):\n- Finance tracker API\n- Chat service\n- Shop API",
        "- Pick one project:\n  - Finance tracker API\n  - Chat service\n  - Shop API",
    ],
)
def test_a_list_of_options_under_a_choice_label_is_a_choice_of_projects(block: str) -> None:
    track = imported(
        f"## Week 1: Plan\n- Design the schema\n\n{block}\n\n## Week 2: More\n- b\n"
    ).track
    plan = track.weeks[0]
    assert [o.label for o in plan.options] == ["Finance tracker API", "Chat service", "Shop API"]
    assert [(i.title, i.kind.value, i.option) for i in plan.items] == [
        ("Design the schema", "learn", ""),
        ("Finance tracker API", "build", "a"),
    ]
    assert [(i.title, i.option) for i in plan.alternatives] == [
        ("Chat service", "b"),
        ("Shop API", "c"),
    ]


def test_a_week_titled_pick_one_offers_its_list() -> None:
    track = imported(
        "## Week 1: Basics\n- a\n\n## Week 2: Pick one project\n- Blog\n- Chat\n"
    ).track
    second = track.weeks[1]
    assert second.title == "Project"
    assert [o.label for o in second.options] == ["Blog", "Chat"]
    assert kinds(second) == ["build"]


def test_a_section_that_says_choose_a_framework_offers_its_topics() -> None:
    track = imported(
        "# Roadmap\n\n## Python\n- syntax\n\n## Frameworks\n\n"
        "Choose a framework that suits your project.\n\n"
        "- ### Django\n  - [Django docs](https://docs.djangoproject.com/)\n"
        "- ### Flask\n  - [Flask docs](https://flask.palletsprojects.com/)\n"
    ).track
    frameworks = track.weeks[1]
    assert [o.label for o in frameworks.options] == ["Django", "Flask"]
    (django,) = frameworks.items
    assert [r.title for r in django.resources] == ["Django docs"]


def test_paths_through_the_same_weeks_are_a_choice_week_by_week() -> None:
    track = imported(
        "## Week 1: Basics\n- a\n\n## Choose your specialisation\n\n"
        "### Path A: Web\n#### Week 2: HTTP\n- http\n#### Week 3: APIs\n- rest\n\n"
        "### Path B: Data\n#### Week 2: Pandas\n- frames\n\n"
        "## Week 4: Capstone\n- final\n"
    ).track
    assert week_titles(track) == [
        "Basics",
        "Specialisation (1/2)",
        "Specialisation (2/2)",
        "Capstone",
    ]
    web, data = track.weeks[1].options
    assert (web.label, data.label) == ("Web", "Data")
    assert [(titles(w), [i.title for i in w.alternatives]) for w in track.weeks[1:3]] == [
        (["http"], ["frames"]),
        (["rest"], ["Practise and consolidate: Data"]),
    ]
    assert {w.choice for w in track.weeks[1:3]} == {"c1"}


def test_a_title_that_says_select_a_thing_is_a_topic_not_a_choice() -> None:
    track = imported(
        "## Week 1: Select a database and learn SQL\n### Basics\n- SELECT\n### Joins\n- JOIN\n\n"
        "## Week 2: More\n- b\n"
    ).track
    assert track.weeks[0].options == ()
    assert titles(track.weeks[0]) == ["SELECT", "JOIN"]


def test_choices_are_numbered_in_the_order_they_come() -> None:
    track = imported(
        "## Week 1: A\n- Option A: x\n- Option B: y\n\n## Week 2: B\n- z\n\n"
        "## Week 3: C\n- Option A: p\n- Option B: q\n"
    ).track
    assert [w.choice for w in track.weeks] == ["c1", "", "c2"]


def test_options_with_nothing_under_them_are_left_out_of_too_many() -> None:
    names = ["Django", "FastAPI", "Flask", "Sanic", "Bottle", "Dash", "Falcon"]
    entries = "".join(
        f"- ### {n}\n" + (f"  - [{n} docs](https://example.com/{n})\n" if n in names[:3] else "")
        for n in names
    )
    result = imported(f"# R\n\n## Web\n\nChoose a framework.\n\n{entries}\n## Git\n- commits\n")
    assert [o.label for o in result.track.weeks[0].options] == ["Django", "FastAPI", "Flask"]
    assert result.warnings == [
        "“Web”: left out the options with nothing under them: “Sanic”, “Bottle”, “Dash”, “Falcon”."
    ]


def test_more_options_than_a_choice_holds_are_read_in_order() -> None:
    entries = "".join(f"- Option {n}: topic {n}\n" for n in range(1, 8))
    track = imported(f"## Week 1: Many\n{entries}\n## Week 2: B\n- z\n").track
    assert track.weeks[0].options == ()
    assert len(track.weeks[0].items) == 7


def test_an_option_of_more_than_forty_items_is_capped_with_a_warning() -> None:
    many = "".join(f"  - topic {n}\n" for n in range(1, 46))
    result = imported(
        f"## Week 1: A\n- Option A: Big\n{many}- Option B: Small\n  - one\n\n## Week 2: B\n- z\n"
    )
    first = result.track.weeks[0]
    assert len(first.items) == 40
    assert [i.title for i in first.alternatives] == ["one"]
    assert first.alternatives[0].id == "w01-41"
    assert result.warnings == ["Week 1 lists 45 items; kept the first 40."]


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Option A: FastAPI (Recommended for 2025) - 4 weeks", "FastAPI"),
        ("Option B: Django - 4-5 weeks", "Django"),
        ("Path 2 – Data science (optional)", "Data science"),
        ("Option C: Django REST Framework (DRF)", "Django REST Framework (DRF)"),
        ("Track B", "Track B"),
        ("Flask", "Flask"),
    ],
)
def test_option_labels_are_the_options_names(text: str, label: str) -> None:
    assert option_label(text) == label


# --- titles and ids ---------------------------------------------------------------------


def test_week_titles_are_kept_whole() -> None:
    long = "Databases, transactions, isolation levels and the query planner in depth"
    track = imported(f"## Week 1: {long}\n- a\n\n## Week 2-3: {long}\n- b\n- c\n").track
    assert week_titles(track) == [long, f"{long} (1/2)", f"{long} (2/2)"]


@pytest.mark.parametrize(
    ("title", "prefix"),
    [
        ("Complete Python Backend Developer Roadmap", "complete-python-"),
        ("Backend Python Development", "backend-python-"),
        ("Supercalifragilisticexpialidocious", "supercalifragilis-"),
        ("入門 2025", "roadmap-"),
        ("2025", "roadmap-"),
    ],
)
def test_track_ids_are_cut_between_words(title: str, prefix: str) -> None:
    track = imported(f"# {title}\n\n## Week 1: A\n- a\n\n## Week 2: B\n- b\n").track
    assert track.id.startswith(prefix)
    assert len(track.id) == len(prefix) + 6
    assert len(track.id) <= 24


# --- weeks as rows of a table ---------------------------------------------------------


def test_a_table_with_a_row_a_week_is_a_week_a_row() -> None:
    result = imported(
        "# Plan\n\n| Week | Topic | Project | Resources |\n|---|---|---|---|\n"
        "| 1 | Python basics<br>Variables | Calculator | [Docs](https://docs.python.org/) |\n"
        "| 2-3 | Functions; Modules | Todo CLI | |\n"
        "| 4 | Testing | | |\n"
    )
    assert result.mapping == "by its table of weeks"
    track = result.track
    assert week_titles(track) == [
        "Python basics, Variables",
        "Functions, Modules (1/2)",
        "Functions, Modules (2/2)",
        "Testing",
    ]
    first = track.weeks[0]
    assert [(i.title, i.kind.value) for i in first.items] == [
        ("Python basics", "learn"),
        ("Variables", "learn"),
        ("Calculator", "build"),
    ]
    assert [r.url for r in first.items[0].resources] == ["https://docs.python.org/"]
    assert titles(track.weeks[1]) == ["Functions"]
    assert titles(track.weeks[2]) == ["Modules", "Todo CLI"]


def test_a_table_of_days_is_seven_days_a_week() -> None:
    rows = "".join(f"| Day {n} | Topic {n} |\n" for n in range(1, 10))
    result = imported(f"# 9 days\n\n| Day | Focus |\n|---|---|\n{rows}")
    assert result.mapping == "by its table of days, seven days a week"
    assert [(w.title, len(w.items)) for w in result.track.weeks] == [
        ("Days 1–7", 7),
        ("Days 8–9", 2),
    ]


def test_a_week_column_groups_the_days_beside_it() -> None:
    track = imported(
        "| Week | Day | Topic |\n|---|---|---|\n| 1 | Mon | Install |\n|  | Tue | Variables |\n"
        "| 2 | Mon | Functions |\n| 2 | Wed | Modules |\n"
    ).track
    assert [(w.title, titles(w)) for w in track.weeks] == [
        ("Week 1", ["Install", "Variables"]),
        ("Week 2", ["Functions", "Modules"]),
    ]


def test_a_table_of_phases_is_a_week_a_phase_unless_it_sums_them_up() -> None:
    phases = imported(
        "| Phase | Focus | Topics | Deliverable |\n|---|---|---|---|\n"
        "| Phase 1 | Foundations | Python; Git | CLI tool |\n| Phase 2 | Web | HTTP | Blog |\n"
    )
    assert phases.mapping == "by its table of phases"
    assert [(w.title, titles(w)) for w in phases.track.weeks] == [
        ("Foundations", ["Python", "Git", "CLI tool"]),
        ("Web", ["HTTP", "Blog"]),
    ]
    summary = imported(
        "# Plan\n\n| Phase | Duration | Focus |\n|---|---|---|\n| Phase 1 | 6-8 weeks | Python |\n"
        "| Phase 2 | 4 weeks | Web |\n\n## Python\n- a\n\n## Web\n- b\n"
    )
    assert week_titles(summary.track) == ["Python", "Web"]


def test_a_schedule_of_weekdays_is_not_a_table_of_days() -> None:
    result = imported(
        "# Plan\n\n| Day | Focus |\n|---|---|\n| Mon | Learn |\n| Tue | Practice |\n\n"
        "## Python\n- a\n\n## Web\n- b\n"
    )
    assert week_titles(result.track) == ["Python", "Web"]


# --- days ------------------------------------------------------------------------------


def test_days_without_weeks_are_seven_days_a_week() -> None:
    result = imported(
        "# 30 days\n\n## Day 1: Install Python\n\n## Day 2 - Variables\n- ints\n- strings\n\n"
        "## Day 3\nLoops and conditions.\n\n**Day 4:** Functions\n\n"
        "## Day 5-7: Project week\n- Project: a calculator\n\n## Day 8\n- Review week one\n- Rest\n"
    )
    assert result.mapping == "by its day headings, seven days a week"
    first, second = result.track.weeks
    assert (first.title, second.title) == ("Days 1–7", "Day 8")
    assert titles(first) == [
        "Day 1: Install Python",
        "Day 2: Variables",
        "Day 3: Loops and conditions",
        "Day 4: Functions",
        "Days 5–7: Project week",
        "a calculator",
    ]
    assert first.projects == ("a calculator",)
    assert titles(second) == ["Review week one", "Rest"]


def test_thirty_days_are_five_weeks() -> None:
    days = "".join(
        f"## Day {n}: Topic {n}\n- [Guide {n}](https://example.com/{n})\n\n" for n in range(1, 31)
    )
    track = imported(days).track
    assert [len(w.items) for w in track.weeks] == [7, 7, 7, 7, 2]
    assert track.weeks[0].items[0].resources[0].url == "https://example.com/1"


def test_days_under_week_headings_are_part_of_their_week() -> None:
    track = imported(
        "## Week 1: Basics\n### Day 1: Setup\n### Day 2: Variables\n- [Guide](https://e.com/v)\n\n"
        "## Week 2: Functions\n### Day 8\n- def\n- return\n"
    ).track
    assert [(w.title, titles(w)) for w in track.weeks] == [
        ("Basics", ["Day 1: Setup", "Day 2: Variables"]),
        ("Functions", ["def", "return"]),
    ]


def test_a_sentence_that_starts_with_a_day_is_no_day() -> None:
    track = imported(
        "## Week 1: A\n- x\n\nDay 1 is the hardest, go slowly.\n\n## Week 2: B\n- y\n"
    ).track
    assert titles(track.weeks[0]) == ["x"]


# --- months ----------------------------------------------------------------------------


def test_weeks_numbered_afresh_each_month_follow_on() -> None:
    result = imported(
        "# Plan\n\n## Month 1: Foundations\n### Week 1\n- a\n### Week 2\n- b\n\n"
        "## Month 2: Web\n### Week 1: HTTP\n- c\n### Week 2: APIs\n- d\n"
    )
    assert [(w.number, w.title) for w in result.track.weeks] == [
        (1, "Week 1"),
        (2, "Week 2"),
        (3, "HTTP"),
        (4, "APIs"),
    ]
    assert result.warnings == []


def test_months_without_weeks_are_about_four_weeks_each() -> None:
    result = imported(
        "# Plan\n\n## Month 1: Foundations\n- a\n- b\n- c\n- d\n- e\n\n## Month 2: Web\n- f\n- g\n"
    )
    assert result.mapping == "by its month headings (about four weeks a month)"
    track = result.track
    assert week_titles(track)[:5] == [
        "Foundations (1/4)",
        "Foundations (2/4)",
        "Foundations (3/4)",
        "Foundations (4/4)",
        "Web (1/4)",
    ]
    assert len(track.weeks) == 8
    assert [i for w in track.weeks[:4] for i in titles(w)] == ["a", "b", "c", "d", "e"]


def test_a_month_without_weeks_among_months_with_weeks_takes_four() -> None:
    result = imported(
        "## Month 1\n### Week 1: A\n- a\n### Week 2: B\n- b\n\n## Month 2: Review\n- r1\n- r2\n\n"
        "## Month 3\n### Week 1: C\n- c\n"
    )
    assert result.mapping == "by its week and month headings (about four weeks a month)"
    assert week_titles(result.track) == [
        "A",
        "B",
        "Review (1/4)",
        "Review (2/4)",
        "Review (3/4)",
        "Review (4/4)",
        "C",
    ]


# --- lists of weeks, nesting and <details> ------------------------------------------------


def test_a_numbered_list_of_weeks_with_their_topics() -> None:
    result = imported(
        "# Plan\n\n1. **Week 1** – Basics\n   - Variables\n   - Loops\n"
        "2. **Week 2** – Functions\n   - def\n3. **Week 3** – Final project\n"
    )
    assert result.mapping == "by its list of weeks"
    assert [(w.title, titles(w), kinds(w)) for w in result.track.weeks] == [
        ("Basics", ["Variables", "Loops"], ["learn", "learn"]),
        ("Functions", ["def"], ["learn"]),
        ("Final project", ["Final project"], ["build"]),
    ]


def test_a_list_of_weeks_entries_with_children_and_what_follows_them() -> None:
    track = imported(
        "- Setup your editor\n- Week 1: Basics\n- Week 2: Functions\n  - def\n"
        "  - Project: calculator\n- Bonus: decorators\n"
    ).track
    assert [(w.title, titles(w)) for w in track.weeks] == [
        ("Basics", ["Basics"]),
        ("Functions", ["def", "Decorators", "calculator"]),  # in the weekly rhythm
    ]
    assert [i.title for i in track.weeks[1].items if i.optional] == ["Decorators"]


def test_items_marked_optional_keep_the_mark_as_a_flag_not_in_their_title() -> None:
    track = imported(
        "## Week 1: Databases\n- SQL basics\n- MongoDB (Optional)\n"
        "- Optional: publish a short write-up\n- [bonus] Redis\n- An optional-looking topic\n"
    ).track
    items = track.weeks[0].items
    assert [(i.title, i.optional) for i in items if i.kind.value == "learn"] == [
        ("SQL basics", False),
        ("MongoDB", True),
        ("Publish a short write-up", True),
        ("Redis", True),
        ("An optional-looking topic", False),
    ]


def test_a_table_of_contents_of_weeks_is_not_a_list_of_weeks() -> None:
    result = imported(
        "# Plan\n\n- [Week 1: Basics](#week-1)\n- [Week 2: Loops](#week-2)\n\n"
        "## Week 1: Basics\n- a\n\n## Week 2: Loops\n- b\n"
    )
    assert result.mapping == "by its week headings"
    assert [(w.title, titles(w)) for w in result.track.weeks] == [
        ("Basics", ["a"]),
        ("Loops", ["b"]),
    ]


def test_week_headings_deeper_than_usual() -> None:
    result = imported(
        "# Plan\n\n## Roadmap\n\n### Phase 1: Basics\n\n#### Week 1\n- a\n#### Week 2: Loops\n- b\n\n"
        "### Phase 2\n\n#### Week 3\n- c\n"
    )
    assert result.mapping == "by its week headings"
    assert [(w.title, titles(w)) for w in result.track.weeks] == [
        ("Week 1", ["a"]),
        ("Loops", ["b"]),
        ("Week 3", ["c"]),
    ]


def test_a_range_heading_over_its_weeks_is_their_container() -> None:
    track = imported(
        "## Weeks 1-2: Basics\n### Week 1\n- a\n### Week 2\n- b\n\n## Week 3\n- c\n"
    ).track
    assert [titles(w) for w in track.weeks] == [["a"], ["b"], ["c"]]


DETAILS = """# Plan

<details>
<summary>Week 1: Basics</summary>

- Variables
- Loops

</details>

<details><summary><b>Week 2: Functions</b></summary>

- def
- **Project:** calculator

</details>
<details>
  <summary>Week 3: Testing</summary>
  - pytest
  - fixtures
</details>
"""


def test_details_sections_are_weeks_titled_by_their_summary() -> None:
    result = imported(DETAILS)
    assert result.mapping == "by its week headings"
    assert [(w.title, titles(w)) for w in result.track.weeks] == [
        ("Basics", ["Variables", "Loops"]),
        ("Functions", ["def", "calculator"]),
        ("Testing", ["pytest", "fixtures"]),
    ]


def test_details_without_weeks_are_a_week_each_and_a_table_of_contents_is_left_out() -> None:
    result = imported(
        "# Topics\n\n<details><summary>Table of Contents</summary>\n\n- [Python](#python)\n\n"
        "</details>\n\n<details><summary>Python</summary>\n\n- syntax\n- types\n\n</details>\n\n"
        "<details><summary>Git</summary>\n\n### Basics\n- commits\n\n</details>\n"
    )
    assert result.mapping == "without week numbers: each <details> section became a week"
    assert [(w.title, titles(w)) for w in result.track.weeks] == [
        ("Python", ["syntax", "types"]),
        ("Git", ["commits"]),
    ]
    assert result.warnings == []


# --- refused, with what to send ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "says", "advice"),
    [
        ('{"nodes": [{"id": "1", "data": {"label": "Python"}}], "edges": []}', "JSON", "## Week 1"),
        ("# My roadmap\n\n![Roadmap](roadmap.png)\n", "picture", "## Week 1"),
        ("# Roadmap\n\n```mermaid\ngraph TD\n  A --> B\n```\n", "diagram", "## Week 1"),
        ("Week,Topic\n1,Basics\n2,Loops\n", "CSV", "| Week | Topic |"),
        ("<!DOCTYPE html>\n<html><body><h1>Week 1</h1></body></html>", "HTML", "Export"),
    ],
)
def test_shapes_that_are_refused_say_what_to_send(text: str, says: str, advice: str) -> None:
    reason = refused(text)
    assert says in reason
    assert advice in reason


@pytest.mark.parametrize(
    "text",
    [
        "This week, we cover topics that matter.\nAnd then, more prose.\n",
        "Some prose about learning ![badge](https://img.example/b.svg) "
        + "and what the author thinks of it, at some length. " * 3,
    ],
)
def test_prose_is_refused_as_prose(text: str) -> None:
    assert refused(text).startswith("I found no headings with lists of topics under them.")


def test_a_title_alone_is_refused() -> None:
    assert refused("# Title only\n").startswith("I found no headings with lists")
