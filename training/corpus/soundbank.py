"""The real-recording sound bank: thousands of labelled recordings from Debian packages.

Debian's Contents index lists about 36,900 audio files in about 500 packages of main
(`python -m training.corpus.survey` reproduces that count with apt-file). The packages below
were chosen from it: recordings of events, things, animals, places and human sounds with
descriptive file names, drum kits and sampled instruments, and spoken words and prompts in
many languages (kept as their own label family, "a person speaking Russian", since users'
recordings are full of voices). Music, interface beeps and packages whose names say nothing
are left out; packages reserved for evaluation (`debs.RESERVED`) and those of the real-media
set are never read.

Labels come from the path (`bank_labels`): the file name, or its folders where the name is a
number or a code, through the corpus's word rules; every label word must be an English word
(a whole word of the sentence encoder's vocabulary). The split is by package: the packages
in HELD_OUT are never trained on, so their numbers say something about recordings from
elsewhere.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from training.corpus.labels import normalise_label
from training.corpus.sound_rules import NOISE_WORDS, base_name

AUDIO = (".ogg", ".wav", ".flac", ".mp3", ".oga", ".opus")

# Folders (or words in a path) of what is not a recording of a sound event: music, jingles,
# interface and announcer sounds. Matched case-insensitively against the whole path.
SKIP_PATH = re.compile(
    r"/(music|musics|songs?|soundtracks?|menus?|ui|gui|interface|jingles?|announcer|intro|"
    r"credits|tracks?|themes?|loops?)/|(^|/)(readme|license|copying)",
    re.I)
# Words that mark a clip as an interface sound, a game event or music rather than a sound of
# the world: a clip with any of them is left out.
SKIP_WORDS = frozenset(
    """click menu button select selected ack ui gui interface music song theme intro outro
    jingle fanfare victory defeat win lose lost won gameover level bonus pickup powerup
    power_up extra life score highscore achievement unlock unlocked warning error notify
    notification message tick tock countdown timer beep bleep blip ping pong zap laser
    phaser plasma blaster teleport spell magic portal warp mana potion respawn spawn
    loop track start stop pause resume ok cancel yes no tutorial""".split())
# A label made only of these says nothing of what made the sound.
VAGUE = frozenset(
    """sound sounds sfx hit hits die death dead attack move moving walk run jump land fall
    fly use open close in out on off up down big small low high long short soft hard loud
    quiet heavy light fast slow one two three new old final alt var ready done good bad
    normal special misc other effect effects fx stereo mono mix take version""".split())

SPEECH_LANGUAGES = {
    "ar": "Arabic", "be": "Belarusian", "bg": "Bulgarian", "ca": "Catalan", "cs": "Czech",
    "da": "Danish", "de": "German", "el": "Greek", "en": "English", "en_gb": "English",
    "en_us": "English", "es": "Spanish", "eu": "Basque", "fi": "Finnish", "fr": "French",
    "ga": "Irish", "gl": "Galician", "he": "Hebrew", "hu": "Hungarian", "it": "Italian",
    "ja": "Japanese", "ko": "Korean", "lt": "Lithuanian", "ml": "Malayalam",
    "nds": "Low German", "nl": "Dutch", "nn": "Norwegian", "nb": "Norwegian", "pl": "Polish",
    "pt": "Portuguese", "pt_br": "Portuguese", "ro": "Romanian", "ru": "Russian",
    "sk": "Slovak", "sl": "Slovenian", "sr": "Serbian", "sv": "Swedish", "tn": "Tswana",
    "tr": "Turkish", "uk": "Ukrainian", "zh": "Chinese", "zh_cn": "Chinese",
    "zh_tw": "Chinese",
}


@dataclass(frozen=True)
class BankPackage:
    """How one package is read: `speech` packages get the label family of speech (the
    language from `language` or from a path folder that is a language code); `effects`
    packages are labelled from their paths. `include` restricts the paths read; `cap` the
    number of clips kept (a fixed hash order, so a rebuild keeps the same ones)."""

    name: str
    kind: str = "effects"  # "effects" | "speech" | "instruments"
    include: str = ""
    exclude: str = ""
    language: str = ""
    speaker: str = "a person"
    cap: int = 400
    folder_words: bool = False  # the folder names what the file names do not
    fixed: tuple[str, ...] = ()  # every clip of the package is this (file names are codes)


PACKAGES: tuple[BankPackage, ...] = (
    # recordings of events and things (game sound effects, most of them real recordings)
    BankPackage("megaglest-data", include=r"/sounds?/", exclude=r"/(menu|music)/", cap=700),
    BankPackage("hedgewars-data", include=r"/Data/Sounds/"),
    BankPackage("wesnoth-1.16-data", include=r"data/core/sounds/"),
    BankPackage("freedroidrpg-data", include=r"/sound/effects/", exclude=r"voice_samples"),
    BankPackage("0ad-data", include=r"^/audio/(ambient|actor/(fauna|human|singlesteps|mounted|"
                r"ship|gate)|attack|resource)/",
                exclude=r"/(death|female_death|male_death)", cap=800),
    BankPackage("bucklespring-data", include=r"/wav/", fixed=("keyboard", "typing"), cap=60),
    BankPackage("ardentryst", include=r"/(sounds?|sfx|monstersounds)/"),
    BankPackage("widelands-data", include=r"data/sound/",
                exclude=r"/(music|ingame|lobby|message|menu|intro|click)",
                folder_words=True),
    BankPackage("lincity-ng-data", include=r"/sounds/",
                exclude=r"/(Click|Window\w*|Build|Raze|Tip|Green)\d*\."),
    BankPackage("supertux-data", include=r"/sounds/"),
    BankPackage("boswars-data", include=r"/(sounds|units)/"),
    BankPackage("minetest-data", include=r"/sounds/", exclude=r"/devtest/"),
    BankPackage("naev-data", include=r"/snd/sounds/"),
    BankPackage("fillets-ng-data", include=r"/sound/", exclude=r"/music/"),
    BankPackage("cube2-data", include=r"/sounds?/"),
    BankPackage("btanks-data", include=r"/sounds?/"),
    BankPackage("endless-sky-data", include=r"/sounds/"),
    BankPackage("wordwarvi-sound"),
    BankPackage("plee-the-bear-data", include=r"/sound/"),
    BankPackage("netpanzer-data", include=r"/sound/"),
    BankPackage("krank", include=r"/sounds/"),
    BankPackage("neverball-common", include=r"/snd/"),
    BankPackage("caveexpress-data", include=r"/sounds/"),
    BankPackage("marsshooter-data", include=r"/audio/"),
    BankPackage("enigma-data", include=r"/soundsets?/"),
    BankPackage("trackballs-data", include=r"/sfx/"),
    BankPackage("bzflag-data"),
    BankPackage("freecol", include=r"/resources/sound/", exclude=r"/(anthem|intro|meet)/"),
    BankPackage("starfighter-data", include=r"/sound/"),
    BankPackage("supertuxkart-data", include=r"data/(sfx|library)/"),
    BankPackage("redeclipse-data", include=r"/sounds/", exclude=r"/(music|announcer)/"),
    BankPackage("unknown-horizons", include=r"/audio/sounds/"),
    BankPackage("torcs-data", include=r"/sound/"),
    BankPackage("berusky2-data", include=r"/sound/sound/"),
    BankPackage("freeorion-data", include=r"/sound/combat/"),
    BankPackage("libreoffice-common", include=r"/gallery/sounds/"),
    BankPackage("xemacs21-basesupport", include=r"/etc/sounds/"),
    BankPackage("pekka-kana-2-data", include=r"/(sfx|sprites)/"),
    BankPackage("mirrormagic-data", include=r"/sounds/"),
    BankPackage("mazeofgalious-data", include=r"/sound/"),
    BankPackage("chuck-data", kind="instruments", include=r"/audio/|/data/"),
    BankPackage("flightgear-data-base", include=r"/Sounds/", exclude=r"/(mk-viii|tcas|ATC|atc)/"),
    BankPackage("tuxpaint-stamps-default", include=r"/stamps/",
                exclude=r"(_desc|_[a-z]{2,3}(_[A-Z]{2})?)\.[a-z]+$|/(math|symbols|alphabet|text)/"),
    # drums and instruments
    BankPackage("hydrogen-drumkits", kind="instruments", cap=500),
    BankPackage("hydrogen-drumkits-effects", kind="instruments", cap=300, folder_words=True),
    BankPackage("sonic-pi-samples", kind="instruments", include=r"samples/", exclude=r"/(loop_|README)"),
    BankPackage("lmms-common", kind="instruments", include=r"samples/(drums|instruments|misc|effects|latin)/",
                exclude=r"/(undefined|start|stop|chroma|warp|filter_sweep)", folder_words=True),
    # speech: prompts, spoken words and letters, in many languages
    BankPackage("asterisk-core-sounds-en-wav", kind="speech", language="English", speaker="a woman", cap=400),
    BankPackage("asterisk-core-sounds-fr-wav", kind="speech", language="French", speaker="a woman", cap=250),
    BankPackage("asterisk-core-sounds-it-wav", kind="speech", language="Italian", cap=250),
    BankPackage("asterisk-core-sounds-ru-wav", kind="speech", language="Russian", cap=250),
    BankPackage("asterisk-core-sounds-es-wav", kind="speech", language="Spanish", cap=250),
    BankPackage("festvox-ru", kind="speech", language="Russian", speaker="a man", cap=250),
    BankPackage("ktuberling-data", kind="speech", cap=600),
    BankPackage("klettres-data", kind="speech", cap=500),
    BankPackage("fillets-ng-data-cs", kind="speech", language="Czech", cap=300),
    BankPackage("fillets-ng-data-nl", kind="speech", language="Dutch", cap=300),
    BankPackage("gcin-voice", kind="speech", language="Chinese", cap=300),
    BankPackage("kajongg", kind="speech", include=r"/voices/", cap=150),
    BankPackage("tuxpaint-stamps-default#speech", kind="speech", include=r"_desc", cap=600),
)
# Whole packages held out of training: recipes are chosen on them, numbers reported on them.
HELD_OUT = frozenset({
    "wesnoth-1.16-data", "boswars-data", "supertux-data", "naev-data", "cube2-data",
    "neverball-common", "krank", "torcs-data", "sonic-pi-samples", "fillets-ng-data-nl",
    "asterisk-core-sounds-es-wav", "caveexpress-data",
})


def debian_name(pkg: BankPackage) -> str:
    """The Debian package a bank entry reads (one package may give two entries)."""
    return pkg.name.split("#", 1)[0]


ENGLISH_RANK = 100_000  # GloVe's words are in frequency order; rarer ones are mostly noise


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """The 100,000 most frequent words of GloVe 6B (alphabetic, 3 letters or more)."""
    from training.glove import word_vectors

    index = word_vectors().index
    return frozenset(w for w, i in index.items()
                     if i < ENGLISH_RANK and w.isalpha() and w.isascii() and len(w) >= 3)


def is_english(word: str) -> bool:
    """A known word, or two known words run together ('blackbird', 'rubberduck')."""
    known = english_words()
    if word in known:
        return True
    return any(word[:i] in known and word[i:] in known for i in range(3, len(word) - 2))


def _language(rel: str, pkg: BankPackage) -> str:
    if pkg.language:
        return pkg.language
    m = re.search(r"_desc_([A-Za-z@_]+)\.", rel)
    codes = [m.group(1)] if m else []
    codes += Path(rel).parts
    for code in codes:
        name = SPEECH_LANGUAGES.get(code.lower().split("@")[0])
        if name:
            return name
    return ""


def speech_labels(rel: str, pkg: BankPackage) -> list[str] | None:
    """`['speech', 'french']`-style labels of a spoken clip; None when the language is not
    known (the clip is then left out rather than mislabelled)."""
    language = _language(rel, pkg)
    if not language:
        return None
    who = pkg.speaker
    if who == "a person" and re.search(r"/(female|woman|women)\d*/", rel, re.I):
        who = "a woman"
    elif who == "a person" and re.search(r"/(male|man|men)\d*/", rel, re.I):
        who = "a man"
    labels = ["speech", language.lower()]
    return labels + [who.split()[-1]] if who != "a person" else labels


def _name_words(rel: str, use_folder: bool) -> list[str]:
    path = Path(rel)
    name = base_name(path.stem)
    raw = re.split(r"[_\-\s.]+", re.sub(r"(?<=[a-z])(?=[A-Z])", "_", name).lower())
    if use_folder or all(len(w) <= 2 or w.isdigit() for w in raw):
        raw = re.split(r"[_\-\s.]+", path.parent.name.lower()) + raw
    return [w for w in raw if w]


def effect_labels(rel: str, pkg: BankPackage) -> list[str] | None:
    """Concept words of a recording from its path, or None when the path says it is not a
    recording of a sound event, or says nothing English about it."""
    if SKIP_PATH.search("/" + rel) or (pkg.kind == "effects" and re.search(r"/voices?/", rel, re.I)):
        return None
    raw = _name_words(rel, pkg.folder_words)
    if any(w in SKIP_WORDS for w in raw):
        return None
    labels = [w for w in normalise_label(" ".join(raw))
              if is_english(w) and w not in NOISE_WORDS]
    if not labels or all(w in VAGUE for w in labels):
        return None
    return labels[:4]


def bank_labels(rel: str, pkg: BankPackage) -> list[str] | None:
    """The labels of one audio file of `pkg` (a path inside the package), or None to skip."""
    where = "/" + rel
    if pkg.include and not re.search(pkg.include, where, re.I):
        return None
    if pkg.exclude and re.search(pkg.exclude, where, re.I):
        return None
    if pkg.fixed:
        return list(pkg.fixed)
    if pkg.kind == "speech":
        return speech_labels(rel, pkg)
    return effect_labels(rel, pkg)


def phrase(labels: list[str]) -> str:
    """The text of a clip's labels: ['speech', 'french', 'woman'] -> 'a woman speaking
    French'; ['footstep', 'gravel'] -> 'footsteps on gravel'; else the words in order."""
    if labels and labels[0] == "speech":
        who = f"a {labels[2]}" if len(labels) > 2 else "a person"
        return f"{who} speaking {labels[1].title()}" if len(labels) > 1 else f"{who} speaking"
    if "footstep" in labels:
        rest = [w for w in labels if w not in ("footstep", "walking", "running")]
        return f"footsteps on {' '.join(rest)}" if rest else "footsteps"
    return " ".join(labels)


def capped(rows: list[tuple[str, list[str]]], cap: int) -> list[tuple[str, list[str]]]:
    """At most `cap` rows, chosen by a hash of the path (the same on every rebuild) while
    keeping as many distinct labels as possible: one per label first, then the rest."""
    order = sorted(rows, key=lambda r: hashlib.sha1(r[0].encode()).hexdigest())
    first, rest, seen = [], [], set()
    for rel, labels in order:
        key = " ".join(labels)
        (rest if key in seen else first).append((rel, labels))
        seen.add(key)
    return (first + rest)[:cap]


def split_of(pkg: BankPackage) -> str:
    return "heldout" if debian_name(pkg) in HELD_OUT else "train"
