"""Which game sound files are real-world effects, and what they are called.

Per package: the folders worth reading, and words that mark a clip as speech,
music, interface or fantasy (dropped). Labels come from the file name (and,
where the name alone is vague, the folder) through `normalise_label`.
"""

from __future__ import annotations

import re

# Speech, music, interface and fantasy-creature sounds: not real-world effects.
DROP_WORDS = frozenset(
    """select ack voice speech say talk chat lobby click menu button checkbox slider message
    music intro fanfare gamestart join leave receive timer highlight attention sonar alarm
    complete interface ui order trained gp race lap goal energy collectable nitro
    magic lich ghoul wose naga mermaid mermen drake gryphon zombie skeleton ogre troll yeti
    orc goblin daemon golem summoner summon archmage genie initiate battlemage ghost
    petrified entangle potion heal portal forcefield bubblegum plunger goo swatter dragonstick
    thunderstick faeriefire holy dark slowed poison squishy ink mud wail witche dwarf elf
    undefined unused toyland year beep oooh splat tractor soundstuff damage pa sara
    glitch mehackit robot lenautile track behemoth carpet mummy dr orni valkyrie minarett
    cudgel shaman dragon evil hell good magicmissile sel""".split()
)

# Words of game jargon that say nothing about the sound, dropped from labels.
NOISE_WORDS = frozenset(
    """puny miss strike fire_miss ab tech technician worker unit units common commondata
    gather expire order idle temperate gen mn ambient ambi elec misc perc dhec ghe ke na
    te ne tas tun re mid hi lo soft hard build site occupied under create construction
    dig dug node place oddly breakable hand choppy cracky crumbly snappy dig_immediate
    active prefix wild ada boom fat gas haus klub pure sone tek zome zum dolf dub dnb voxy
    woodsy filt fuzz barbarian empire atlantean frisian other instrument effect immediate
    xpane treeexpire fieldexpire fruitexpire meatexpire smove sp sz ack select""".split()
)

REWRITES = {
    "bd": "bass drum",
    "sn": "snare drum",
    "guit": "guitar",
    "swordman": "sword",
    "horseman": "horse",
    "axe_thrower": "axe",
    "sow": "pig",
    "cattle": "cow",
    "hihat": "hi-hat",
    "jet": "jet",
    "whoosh": "whoosh",
    "croud": "crowd",
    "ele": "elephant",
    "eleattack": "elephant attack",
    "elewalk": "elephant walk",
    "indiattack": "attack",
    "leaves": "leaf",
    "firearrowhit": "fire arrow hit",
    "desertday": "desert day",
    "siegeprojectilehit": "projectile hit",
    "stonegate": "stone gate",
    "goldspin": "spinning wheel",
    "beerbubble": "beer bubble",
    "winebubble": "wine bubble",
    "benchsaw": "saw",
    "biginn": "inn",
    "bassdrum": "bass drum",
    "bassslap": "bass slap",
    "hat": "hi-hat",
}

# Labels made only of these say nothing of what makes the sound.
GENERIC = frozenset("attack die hit walk fly standing death move moving prod throw".split())

# Folders (relative to each package's data root) to read, as regular expressions.
INCLUDE = {
    "0ad-data": r"^audio/(ambient|actor/(fauna|human|singlesteps|mounted|ship|gate)|attack|resource)/",
    "megaglest-data": r"(commondata/sounds|/units/[^/]+/sounds|tilesets/[^/]+/sounds|water_sounds)/",
    "lincity-ng-data": r"lincity-ng/sounds/",
    "wesnoth-1.16-data": r"data/core/sounds/",
    "widelands-data": r"data/sound/",
    "minetest-data": r"mods/[^/]+/sounds/",
    "supertuxkart-data": r"data/(sfx|library)/",
    "sonic-pi-samples": r"samples/",
    "lmms-common": r"samples/(drums|instruments|misc|effects|latin)/",
}
EXCLUDE = {
    "0ad-data": r"/(death|female_death|male_death)",
    "megaglest-data": r"/(music|menu)/",
    "lincity-ng-data": r"/(Click|Window\w*|Build|Raze|Tip|Green)\d*\.",
    "widelands-data": r"/(music|ingame|lobby|message|menu|intro|click)",
    "sonic-pi-samples": r"/(loop_|README)",
    "lmms-common": r"/(undefined|start|stop|chroma|warp|filter_sweep)",
    "minetest-data": r"/devtest/",
}
# Where the folder name says what the file name does not.
FOLDER_LABEL = {"widelands-data", "lmms-common"}
# Animals whose 'select'/'ack' clips are their calls, not speech.
ANIMALS = frozenset("cow pig horse wolf sheep chicken goat camel elephant lion".split())

_DIGITS = re.compile(r"[_\- ]?\d+[a-z]?$")


def base_name(stem: str) -> str:
    """File stem without numbering and variant letters: 'swordhit_12b' -> 'swordhit'."""
    previous = None
    while previous != stem:
        previous, stem = stem, _DIGITS.sub("", stem)
    return stem


# Sounds of the human voice (the `voice` category of the manifest), and the words of the
# pictures they pair with (a scream with a screaming face, not with every 'woman').
VOICE_PAIR = {
    "laugh": ["laugh", "laughing"],
    "scream": ["scream", "screaming"],
    "grunt": ["hurt", "injury", "pain"],
    "groan": ["hurt", "injury", "pain"],
    "speech": ["speech", "speak", "speaking", "talk", "talking"],
    "sneeze": ["sneeze", "sneezing"],
    "cry": ["cry", "crying"],
}
VOICE_WORDS = frozenset(VOICE_PAIR)


def human_labels(words: list[str]) -> list[str] | None:
    """Labels of a clip of a human voice, named by what it does; None for other clips.

    Wesnoth's 'human-female-die-2' is a woman screaming, 'human-old-hit-1' an old man's
    grunt; any 'laugh' (even a dwarf's: the actor is a man) is laughing.
    """
    if "laugh" in words:
        return ["laugh"]
    if "human" not in words or not {"die", "hit"} & set(words):
        return None
    who = "woman" if "female" in words else "man"
    labels = ["scream" if "die" in words else "grunt", who]
    return labels + ["old"] if "old" in words else labels
