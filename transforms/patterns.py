"""Regular expressions of the figure extractor, built once from the lexicon data files."""

from __future__ import annotations

from functools import cache

from transforms import lexicon as lx

DOT = lx.ABBREVIATION_DOT

# Words that may stand between a number and its head noun ("one US-made 155-mm M777 howitzer").
TOKEN = r"(?:[A-Za-z][\w’'.\-]*|\d+(?:-[A-Za-z]+)+|[“\"‘][^“”\"‘’\n]{1,25}[”\"’])"

# Words that end a noun phrase: when one stands between a number and a head noun, the noun is
# not what the number counts ("3,825 have been injured, said ... Major").
NOUN_PHRASE_STOPS = (
    r"(?i)\b(?:were|was|is|are|be|been|being|have|has|had|will|would|could|can|may|might|"
    r"in|on|at|by|with|from|to|for|since|during|into|after|before|than|that|which|who|whom|"
    r"whose|where|when|while|including|as|per|this|these|those|not|no|"
    r"also|said|says|told|said|killed|died|wounded|injured|destroyed|lost|against|over|under|"
    r"about|around|some|nearly|up|out|off|between|among|like|via|across|near|toward|towards)\b"
)

# Titles whose period is not a sentence end. Single capitals cover initials and "U.S.".
ABBREVIATIONS = (
    r"\b(Gen|Lt|Col|Maj|Capt|Cpt|Sgt|Adm|Cmdr|Brig|Mr|Mrs|Ms|Dr|Prof|St|Sen|Rep|Gov|Pres|Jr|Sr|"
    r"Inc|Corp|Ltd|No|Nos|vs|approx|est|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|"
    r"a\.m|p\.m|e\.g|i\.e|etc|[A-Z])\."
)

# A sentence: text up to a terminal mark followed by space, or up to a line break.
SENTENCE = r"(?s).*?(?:[.!?…]+[\"”’'\)\]]*\s+|\n\s*|$)"


def words(key: str) -> str:
    """An alternation of one word list of context.yaml."""
    return lx.alternation(lx.context_words(key))


@cache
def number_atom() -> str:
    """One number: digits with separators and an optional magnitude, or number words."""
    numbers = lx.number_words()
    units = "|".join(sorted(numbers["units"], key=len, reverse=True))
    tens = "|".join(numbers["tens"])
    phrases = lx.alternation(numbers["phrases"])
    grouped = (
        r"\d{1,3}(?:,\d{3})+\b|\d{1,3}(?:\.\d{3})+\b"
        r"|\d{1,3}(?:[\u2009\u00a0\u202f ]\d{3})+\b"
    )
    digits = rf"(?:{grouped}|\d+\.\d+|\d+)"
    magnitude = r"(?:\s*(?:hundred|thousand|million|billion|mln|bn)\b|(?:k|m|bn|mln)\b)"
    word = (
        rf"\b(?:{phrases}|(?:(?:{tens})(?:[\-\s](?:{units}))?|{units})\b"
        r"(?:\s+(?:hundred|thousand|million|billion)\b)*)"
    )
    return rf"(?:{digits}{magnitude}?|(?i:{word}))"


@cache
def number() -> str:
    """A number or a range ("between 100 and 150", "10-15 thousand", "40,000 to 60,000")."""
    atom = number_atom()
    return (
        rf"(?:(?P<lead>(?i:between)\s+)(?P<low_between>{atom})\s+(?i:and)\s+(?P<high_between>{atom})"
        rf"|(?P<low>{atom})(?:\s*(?:-|–|—|\b(?i:to)\b)\s*(?P<high>{atom}))?)"
    )


@cache
def heads(kinds: tuple[str, ...]) -> str:
    """An alternation of head nouns of the given kinds, as whole words, in either case."""
    return rf"\b{lx.caseless_alternation(lx.head_phrases(kinds))}\b"


@cache
def noun_phrase(kinds: tuple[str, ...]) -> str:
    """A noun phrase right after a number: a few modifiers, then a head noun of the given kinds."""
    return (
        # "127 S-300, Buk-M1 and Osa anti-aircraft missile systems": designations listed before the head.
        rf"(?s)^\s*(?P<modifiers>(?:{TOKEN},?\s+){{0,6}}?)"
        rf"(?P<head>{heads(kinds)})(?P<after_head>.*)"
    )


@cache
def singleton() -> str:
    """"a"/"an"/"single" introducing a head noun: a count of one ("a helicopter was shot down")."""
    kinds = ("equipment", "people")
    return (
        rf"(?s)(?P<before>.*?)\b(?P<figure>(?i:an?|single))"
        rf"(?P<tail>\s+(?:{TOKEN}\s+){{0,3}}?{heads(kinds)})"
    )


@cache
def outcome_after() -> str:
    """A personnel loss word after a count or its noun ("have been killed", ", including ..., were killed")."""
    fillers = (
        r"have|has|had|were|was|are|is|been|being|also|reportedly|allegedly|now|already|all|who|"
        r"that|known|to|confirmed|believed|thought|feared|said|officially|so|far|since|then|later|"
        r"either|both|just|only|in|total|altogether|still|reported|listed|presumed|probably|likely|"
        r"possibly|may|might|could|would|have|allegedly|officially"
    )
    people = lx.alternation(lx.head_phrases(("people",)))
    outcome = lx.alternation(lx.personnel_outcomes("after"))
    return (
        r"(?i)^(?:\s*\([^)]*\))?(?:\s*,(?:[^,]|,\d{3}){0,80})?\s*,?\s*[“\"‘']?\s*"
        rf"(?:(?:and|or)\s+{people}\s+)?"
        r"(?:(?:of|aboard|on|at|near|from|inside)\s+(?:[\w’'\-]+\s+){1,4}?)?"
        rf"(?:(?:{fillers})\s+){{0,6}}[“\"‘']?(?:(?-i:[A-Z])[\w\-]*\s+)?"
        rf"(?P<outcome>{outcome})\b"
    )


# "killed and wounded" as one cue: casualties.
CASUALTY_COMPOUND = r"(?i)\b(?:killed|dead|died)\s+(?:and|or)\s+(?:wounded|injured)\b"


@cache
def predicate(verbs: str) -> str:
    """Right after a noun phrase, maybe past an apposition: its verb is one of verbs ("..., had been displaced")."""
    fillers = r"(?:have|has|had|were|was|are|is|been|being|also|reportedly|now|already|all|later|since)"
    return (
        r"(?i)^(?:\s*\([^)]*\))?(?:\s*,(?:[^,;.]|,\d{3}){0,100},)?\s*"
        rf"(?:{fillers}\s+){{0,4}}{verbs}\b"
    )


@cache
def list_line_label() -> str:
    """The label of a list line before its dash or colon ("vehicles and fuel tanks – ")."""
    return (
        r"(?i)^\W*([A-Za-z][^:–—\d()]{0,60}?)(?:\s+[–—\-]\s*|\s*[:–—]\s*)"
        rf"(?:{lx.alternation(lx.qualifier_cues())}\s+)?$"
    )


@cache
def outcome_cue_before() -> str:
    """A personnel loss word that can stand before a count ("killing", "the death of")."""
    return rf"(?i)\b(?:{lx.alternation(lx.personnel_outcomes('before'))})\b"



@cache
def qualifier_cue() -> str:
    """A qualifier cue right before a number ("more than", "up to", "about")."""
    return rf"(?i)\b(?P<cue>{lx.alternation(lx.qualifier_cues())})[’'\"”]*\s*$"


@cache
def party_adjective() -> str:
    """An alternation of party adjectives."""
    return lx.alternation(lx.party_adjectives())


@cache
def force_nouns() -> str:
    """Nouns after which a party adjective names a side: forces, people, equipment, losses."""
    phrases = list(lx.party_lexicon()["force_nouns"]) + list(lx.head_phrases())
    return lx.alternation(phrases)


@cache
def party_cue() -> str:
    """One mention of a side: "Ukrainian armed forces", "Russia lost", "Russia's", "the enemy", "our"."""
    names = lx.alternation(lx.party_name_phrases())
    loss_or_report = (
        r"(?:(?:has|have|had|also|reportedly|now|already)\s+)*"
        r"(?:lost|loses|lose|suffered|suffers|reported|reports|admitted|confirmed|recorded)\b"
    )
    enemy = lx.alternation(lx.party_lexicon()["enemy"])
    own = lx.alternation(lx.party_lexicon()["own"])
    standalone = lx.alternation(lx.party_standalone())
    return (
        rf"(?s).*?(?:\b(?P<standalone>(?i:{standalone}))\b"
        rf"|\b(?P<adjective>(?i:{party_adjective()}))\s+(?:[\w\-]+\s+){{0,2}}?(?i:{force_nouns()})\b"
        rf"|\b(?P<name>{names})(?:['’]s\b|(?:\s*,[^,.;]{{1,60}},)?\s*[\"“]?\s*{loss_or_report})"
        rf"|(?i:losses|casualties)\s+(?i:for|of|among)\s+(?:the\s+)?(?P<name_of>{names})\b"
        # "cost Russia and Ukraine", "Russian and Ukrainian soldiers": both sides together.
        rf"|\b(?P<pair>(?:{names}|(?i:{party_adjective()}))\s+and\s+(?:{names}|(?i:{party_adjective()})))\b"
        rf"|\b(?P<enemy>(?i:{enemy}))\b"
        rf"|\b(?P<own>(?i:{own}))\b)"
    )


@cache
def launcher() -> str:
    """A side that launches projectiles: "Russia launched 40 missiles", "Russian forces fired"."""
    names = lx.alternation(lx.party_name_phrases())
    return (
        rf"(?s).*?\b(?P<launcher>{names}|(?i:{party_adjective()}))\s+(?:(?i:forces|troops|army|military)\s+)?"
        r"(?i:(?:has|have|had|also|overnight)\s+)*(?i:launched|fired)\b"
    )


@cache
def attacker() -> str:
    """Right after a party mention: a verb by which that side inflicts the loss ("... forces destroyed")."""
    return (
        r"(?i)^\s*(?:(?:has|have|had|also|reportedly|continue to|continued to|managed to)\s+)*"
        rf"{words('attack_words')}\b"
    )


@cache
def passive_participle() -> str:
    """Right after a party mention: an attack verb used as a passive participle ("Russian troops killed in Ukraine")."""
    return (
        r"(?i)^\s*(?:killed|destroyed|hit|struck|shot\s+down|downed|eliminated|neutralized|neutralised)"
        r"(?:\s*[,.;]|\s*$|\s+(?:in|on|at|by|during|since|over|near|while|when|"
        r"and|or|as|so|far|last|this|since|from|across|between)\b)"
    )


@cache
def right_party() -> str:
    """A side named after the noun phrase: "of the Ukrainian armed forces", "on both sides"."""
    standalone = lx.alternation(lx.party_standalone())
    return (
        rf"(?i)^[^.;!?\d]*?(?:\b(?P<standalone>{standalone})\b"
        rf"|\b(?:of|among|from|with|belonging\s+to)\s+(?:the\s+)?(?P<adjective>{party_adjective()})\s+"
        rf"(?:[\w\-]+\s+){{0,2}}?{force_nouns()}\b)"
    )


RIGHT_PARTY_GAP_STOPS = (
    r"(?i)\b(?:were|was|is|are|have|has|had|been|killed|died|wounded|injured|lost|destroyed|"
    r"in|at|by|during|since|after|when|while|which|who|clashes|fighting|against)\b"
)



@cache
def claimant_alias_lowercase(attributed_only: bool) -> str:
    """A claimant alias mention in lowercased text (case-sensitive, so fast)."""
    phrases = {lx.normalized(p) for p in lx.claimant_alias_phrases(attributed_only)}
    return rf"(?s).*?\b(?P<alias>{lx.alternation(phrases)})\b"


@cache
def attribution_after() -> str:
    """Right after a name: a speech verb, maybe after an apposition ("Milley, chairman of ..., said")."""
    return (
        r"(?i)^\s*(?:\([^)]*\)\s*)?(?:,[^,;]{1,90},\s*)?"
        r"(?:(?:has|have|had|also|now|later|previously|earlier|again|reportedly|officially|today|yesterday|"
        r"on\s+\w+|late\s+on\s+\w+|in\s+a\s+\w+)\s+)*"
        rf"{words('speech_verbs')}\b"
    )


@cache
def attribution_before() -> str:
    """Right before a name: "according to", "said", "announced by", maybe with titles in between."""
    return (
        r"(?i)(?:according\s+to|[,”\"’]\s*(?:said|says|told|added)|announced\s+by|reported\s+by|issued\s+by|"
        r"released\s+by|published\s+by|cited|citing|quoted|quoting|data\s+from|figures\s+from|"
        r"claims\s+from|report\s+from|statement\s+from|estimates\s+from)"
        r"\s+(?:(?:the|a|an|of|and)\s+|(?-i:[A-Z])[\w.’'\-" + DOT + r"]*[\s,]+|[\w\-]+\s+){0,10}$"
    )


@cache
def unknown_speaker() -> str:
    """The phrase before or after a speech verb that names who speaks, when no alias matched."""
    verbs = r"(?:said|says|told|claimed|claims|reported|reports|announced|stated|estimated|estimates|noted|added)"
    adverbs = r"(?:(?:has|have|had|also|now|later|earlier|previously|again|reportedly|officially)\s+)*"
    return (
        rf"(?:^|[,”\"’—–:]\s*|\bthat\s+|\bwhile\s+|\bwhen\s+)[‘“\"]?(?P<speaker>[^,;“”\".{DOT}]{{2,80}}?)\s+{adverbs}{verbs}\b"
        rf"|[,”\"’]\s*{verbs}\s+(?P<speaker_after>[^.;“”\"]{{2,120}})"
        r"|\b(?i:according\s+to)\s+(?P<speaker_according>[^,;.“”\"]{2,120})"
    )


@cache
def speech_cue() -> str:
    """What every unknown_speaker match holds: a speech verb after a space or a quote, or "according to"."""
    verbs = r"(?:said|says|told|claimed|claims|reported|reports|announced|stated|estimated|estimates|noted|added)"
    return rf"[\s,”\"’]{verbs}\b|\b(?i:according\s+to)\s"


@cache
def attacker_side() -> str:
    """A side that attacks in a sentence: "a Russian missile", "Ukrainian shelling", "Russian forces shelled"."""
    force = r"(?:forces|troops|army|military|units|air\s+defen[cs]es?)"
    return (
        rf"(?i)\b({party_adjective()})\s+(?:[\w\-]+\s+){{0,2}}?"
        rf"(?:{words('attack_nouns')}\b|{force}\s+(?:(?:has|have|had)\s+)?(?:{words('attack_words')}|shelled|fired|launched|attacked)\b)"
    )


@cache
def anaphoric_attribution() -> str:
    """A speech verb with a pronoun or a generic noun as speaker ("he said", "the ministry noted")."""
    anaphora = words("anaphora")
    verbs = words("speech_verbs")
    return (
        rf"(?i)\b{anaphora}\s+(?:(?:also|has|had|have|further)\s+)*{verbs}\b"
        rf"|\b{verbs}\s+{anaphora}\b|\baccording\s+to\s+{anaphora}\b"
    )
