"""Unit tests of the figure extractor on small hand-written articles."""

from __future__ import annotations

import polars as pl
import pytest

from transforms.contract import FIGURE_SCHEMA
from transforms.extract import EXTRACTOR_VERSION, figures_from_articles, word_number_value
from transforms.lexicon import claimant_rows


def articles(*texts: str) -> pl.DataFrame:
    """An article frame with one row per text."""
    return pl.DataFrame(
        {"article_id": [f"a{i}" for i in range(len(texts))], "file": [f"{i}.txt" for i in range(len(texts))], "text": list(texts)}
    )


def figures(text: str) -> list[dict]:
    """The figures of one article, as dicts."""
    return figures_from_articles(articles(text)).to_dicts()


def values(text: str) -> list[int]:
    """The figure values of one article, in text order."""
    return [f["value"] for f in figures(text)]


def only(text: str) -> dict:
    """The single figure of an article."""
    found = figures(text)
    assert len(found) == 1, found
    return found[0]


def test_output_has_the_contract_schema_and_a_version():
    out = figures_from_articles(articles("Russia lost 40 tanks, Ukraine's General Staff said."))
    assert out.schema == pl.Schema(FIGURE_SCHEMA)
    assert isinstance(EXTRACTOR_VERSION, str) and EXTRACTOR_VERSION
    empty = figures_from_articles(articles()) if False else figures_from_articles(pl.DataFrame(schema={"article_id": pl.String, "file": pl.String, "text": pl.String}))
    assert empty.schema == pl.Schema(FIGURE_SCHEMA) and empty.height == 0


def test_figure_id_is_stable_and_16_hex():
    text = "Russia lost 40 tanks, Ukraine's General Staff said."
    first = figures_from_articles(articles(text))["figure_id"].to_list()
    again = figures_from_articles(articles(text))["figure_id"].to_list()
    assert first == again and len(first[0]) == 16 and int(first[0], 16) >= 0


@pytest.mark.parametrize(
    ("text", "value", "value_high"),
    [
        ("Konashenkov said 1,351 servicemen have died.", 1351, None),
        ("The Russian army lost 1.351 soldiers, Kyiv said.", 1351, None),
        ("Mediazona identified 122 883 Russian servicemen who died.", 122883, None),
        ("Mediazona identified 122\u2009883 Russian servicemen who died.", 122883, None),
        ("Mediazona identified 122\u00a0883 Russian servicemen who died.", 122883, None),
        ("The study says 1.5 million soldiers were killed or wounded.", 1500000, None),
        ("Kyiv says 14 thousand Russian soldiers were killed.", 14000, None),
        ("Kyiv says 30k Russian soldiers were killed.", 30000, None),
        ("Kyiv says seven Russian tanks were destroyed.", 7, None),
        ("Kyiv says twenty-three Russian soldiers were killed.", 23, None),
        ("Kyiv says a dozen Russian soldiers were killed.", 12, None),
        ("NATO says a quarter of a million Russian soldiers were killed or wounded.", 250000, None),
        ("Kyiv says Russia lost over a million soldiers killed and wounded.", 1000000, None),
        ("Kyiv says between 100 and 150 Russian soldiers died.", 100, 150),
        ("Kyiv says Russia lost 10-15 thousand soldiers killed.", 10000, 15000),
        ("US officials say Russia lost 40,000 to 60,000 troops killed.", 40000, 60000),
    ],
)
def test_numbers_are_parsed(text, value, value_high):
    figure = only(text)
    assert (figure["value"], figure["value_high"]) == (value, value_high)


def test_plain_range_is_exact_with_its_own_rule():
    figure = only("Kyiv says between 100 and 150 Russian soldiers died.")
    assert (figure["qualifier"], figure["qualifier_rule"]) == ("exact", "range")


@pytest.mark.parametrize(
    ("text", "qualifier"),
    [
        ("Kyiv said more than 2,870 Russian soldiers were killed.", "at_least"),
        ("Kyiv said well over 200 Russian soldiers were killed.", "at_least"),
        ("The MoD said Ukraine lost up to 545 soldiers.", "at_most"),
        ("Moscow admitted to just under 500 deaths among Russian troops, the Kremlin said.", "at_most"),
        ("Kyiv said about 3,700 Russian soldiers were wounded.", "approx"),
        ("Kyiv said nearly 1,600 Russian tanks were destroyed.", "approx"),
        ("Kyiv said an estimated 1,000 Russian soldiers were killed.", "approx"),
        ("Kyiv said 1,000 Russian soldiers were probably killed.", "exact"),
    ],
)
def test_qualifier_cues(text, qualifier):
    assert only(text)["qualifier"] == qualifier


def test_qualifier_carries_over_a_coordination():
    found = figures("At least 13 people were killed and 19 wounded in a missile strike, the governor said.")
    assert [(f["value"], f["category"], f["qualifier"]) for f in found] == [
        (13, "killed", "at_least"),
        (19, "wounded", "at_least"),
    ]
    assert found[1]["qualifier_rule"] == "coordination"


def test_qualifier_does_not_carry_to_a_new_noun():
    found = figures("Kiev lost up to 125 servicemen and one tank, the MoD said.")
    assert [(f["value"], f["category"], f["qualifier"]) for f in found] == [
        (125, "casualties", "at_most"),
        (1, "tanks", "exact"),
    ]


@pytest.mark.parametrize(
    ("phrase", "category"),
    [
        ("12 APCs", "armored_vehicles"),
        ("12 infantry fighting vehicles", "armored_vehicles"),
        ("12 tanks and other armored vehicles", "tanks_and_armored_vehicles"),
        ("12 MLRS", "rocket_launchers"),
        ("12 SAM systems", "air_defense"),
        ("12 UAVs", "drones"),
        ("12 howitzers", "artillery"),
        ("12 mortars", "artillery"),
        ("12 ammunition depots", "infrastructure"),
        ("12 command posts", "command_posts"),
        ("12 radar stations", "radars"),
        ("12 pieces of military equipment", "other"),
        ("12 fuel tankers", "vehicles"),
    ],
)
def test_equipment_categories_come_from_the_lexicon(phrase, category):
    assert only(f"The Russian Defence Ministry said its forces destroyed {phrase} of the Ukrainian army.")["category"] == category


@pytest.mark.parametrize(
    ("sentence", "category"),
    [
        ("Kyiv says 500 Russian soldiers perished.", "killed"),
        ("Kyiv says there were 500 Russian fatalities.", "killed"),
        ("Kyiv says 500 Russian soldiers were injured.", "wounded"),
        ("Kyiv says 500 Russian soldiers surrendered.", "captured"),
        ("Kyiv says Russia lost 500 personnel.", "casualties"),
        ("Kyiv says 500 Russian soldiers were killed or wounded.", "casualties"),
    ],
)
def test_personnel_categories(sentence, category):
    assert only(sentence)["category"] == category


def test_singletons_in_loss_statements_count_one():
    assert [(f["value"], f["category"]) for f in figures("A Russian helicopter was shot down, Ukraine's air force said.")] == [
        (1, "helicopters")
    ]
    assert values("A Russian delegation arrived in Minsk on Monday.") == []


def test_a_designation_is_not_the_count():
    figure = only("Ukraine's air force said it shot down an S-300 missile over Kharkiv.")
    assert (figure["value"], figure["category"]) == (1, "other")


def test_party_is_carried_through_a_list():
    found = figures("Konashenkov said the destruction of 63 Ukrainian rocket launchers, 217 field guns and 47 drones.")
    assert [(f["value"], f["party"]) for f in found] == [(63, "ukraine"), (217, "ukraine"), (47, "ukraine")]


def test_the_enemy_is_the_side_opposite_the_claimant():
    figure = only("“The enemy lost 25 tanks near Avdiivka,” Ukraine's General Staff said.")
    assert (figure["party"], figure["claimant"], figure["claimant_party"]) == ("russia", "ukraine_general_staff", "ukraine")


def test_claimant_aliases_are_normalised():
    figure = only("Russian Defence Ministry spokesman Igor Konashenkov said 47 Ukrainian drones were destroyed.")
    assert (figure["claimant"], figure["claimant_party"]) == ("russia_mod", "russia")
    assert only("The UK Ministry of Defence said 300 Russian soldiers were killed.")["claimant_party"] is None


def test_claimant_is_carried_to_following_sentences_until_another_speaker():
    text = (
        "Konashenkov said 40 Ukrainian tanks were destroyed. He added that 12 Ukrainian howitzers were hit.\n\n"
        "Zelensky said 300 Russian soldiers were killed."
    )
    assert [(f["value"], f["claimant"]) for f in figures(text)] == [(40, "russia_mod"), (12, "russia_mod"), (300, "zelensky")]


def test_reporter_when_no_one_is_named():
    figure = only("A missile struck a residential building in Kharkiv on Thursday, killing six people.")
    assert (figure["claimant"], figure["claimant_party"], figure["party"]) == ("reporter", None, "civilians")


@pytest.mark.parametrize(
    "text",
    [
        "Russia moved S-300 systems and Su-25 jets to Belarus, the ministry said.",
        "The COVID-19 pandemic killed many people, officials said.",
        "After a seven-year standoff, Russian troops crossed the border in mid-March.",
        "On 24 February 2022, Russia launched its invasion of Ukraine.",
        "Biden announced another $1 billion in weapons for Ukraine, including 18 howitzers for delivery.",
        "About 27% of the Russian dead were volunteers.",
        "Russia has deployed 100,000 troops near the border.",
        "The United States sent 31 Abrams tanks to Ukraine.",
        "More than 30 million people have been forced to flee their homes.",
        "Russia launched 40 drones overnight.",
        "Dozens of Russian soldiers and hundreds of Ukrainian soldiers were killed.",
        "Russia's losses were not 300,000, as Kyiv claims.",
        "The Su-25 pilot, aged 25, flew 40 km before the crash at 9 a.m.",
    ],
)
def test_not_figures(text):
    assert figures(text) == []


def test_repeated_figure_is_recorded_once_and_the_headline_gives_way_to_the_body():
    text = (
        "Russia lost 1,600 tanks, Kyiv says\n\n"
        "Ukraine's General Staff said Russia lost 1,597 tanks since February. "
        "The General Staff said Russia lost 1,597 tanks, a record."
    )
    assert [(f["value"], f["category"]) for f in figures(text)] == [(1597, "tanks")]


def test_sub_counts_are_separate_figures():
    text = "SOHR said 24 civilians, including a woman and four children, were killed. Six civilians, including three women, died."
    assert values(text) == [24, 1, 4, 6, 3]


def test_offsets_are_character_offsets_with_non_ascii_text():
    text = "“Kyiv’s forces—brave ones—held,” he said. Kyiv’s General Staff said Russia lost 1,351 soldiers near Bakhmut’s edge."
    figure = only(text)
    assert text[figure["start"] : figure["end"]] == "1,351"
    assert figure["sentence"] == "Kyiv’s General Staff said Russia lost 1,351 soldiers near Bakhmut’s edge."


def test_offsets_of_a_range_and_of_number_words():
    text = "Über alles: Kyiv says between 100 and 150 Russian soldiers died, and twenty-three were captured."
    found = figures(text)
    assert [text[f["start"] : f["end"]] for f in found] == ["100 and 150", "twenty-three"]


def test_figures_of_several_articles_stay_apart():
    out = figures_from_articles(
        articles("Konashenkov said 47 Ukrainian drones were destroyed.", "Zelensky said 300 Russian soldiers were killed.")
    )
    assert out.select("file", "value", "claimant").rows() == [("0.txt", 47, "russia_mod"), ("1.txt", 300, "zelensky")]


def test_word_numbers():
    assert word_number_value("twenty-three") == 23
    assert word_number_value("a quarter of a million") == 250000
    assert word_number_value("seven thousand") == 7000
    assert word_number_value("banana") is None


def test_claimant_rows_cover_every_claimant_once_with_reporter():
    rows = claimant_rows()
    ids = [r[0] for r in rows]
    assert len(ids) == len(set(ids))
    assert ("reporter", None, "media") in rows
    assert ("russia_mod", "russia", "military") in rows
    assert ("uk_mod", None, "military") in rows


def test_engine_pattern_word_and_digit_classes():
    """engine_pattern keeps accented Latin names as words, ASCII digits as digits, and × out of words."""
    from transforms.extract import engine_pattern

    texts = pl.Series(["Erdoğan said", "Türkiye-made drones", "3×4", "٣ tanks", "12 tanks"])
    assert texts.str.extract(engine_pattern(r"^([\w\-]+)"), 1).to_list() == ["Erdoğan", "Türkiye-made", "3", None, "12"]
    assert texts.str.contains(engine_pattern(r"^\d+\b")).to_list() == [False, False, True, False, True]
    assert engine_pattern(r"\bkilled\b") == r"(?-u:\b)killed(?-u:\b)"


def test_caseless_alternation_folds_ascii_case_only():
    """Head nouns match in any ASCII case, across a space or a hyphen, and not through Unicode folding
    (the Kelvin sign is no "k"); a cased non-ASCII letter matches its two cases."""
    from transforms.lexicon import caseless_alternation

    pattern = f"^{caseless_alternation(['tank', 'anti-aircraft gun', 'école'])}$"
    texts = pl.Series(["TANK", "Tank", "tan\u212a", "Anti-Aircraft gun", "anti aircraft GUN", "antiaircraft gun",
                       "École", "école", "ÉCOLE", "tanks"])
    assert texts.str.contains(pattern).to_list() == [True, True, False, True, True, True, True, True, True, False]
