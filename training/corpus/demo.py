"""The bundled demo library in `resources/demo/`, drawn from the corpus manifest.

Images are downscaled copies, sounds are cut to a few seconds and re-encoded
as mono 16 kHz WAV, notes are short scene descriptions written for the project.
"""

from __future__ import annotations

import json
import wave
from pathlib import Path

import numpy as np

from core.resources import resource
from training.corpus import load_manifest, manifest_path

DEMO = resource("demo")
MAX_SOUND_S = 4.5  # 16-bit mono 16 kHz WAV: 4.5 s is about 144 KB
RATE = 16000

# (manifest id or id prefix, file name in the demo library)
IMAGES = [
    ("photo:nature/Aqua.jpg", "water_drop_splash.jpg"),
    ("photo:nature/Dune.jpg", "dune_grass_by_the_sea.jpg"),
    ("photo:nature/LadyBird.jpg", "ladybird_on_grass.jpg"),
    ("photo:nature/RainDrops.jpg", "raindrops_on_leaves.jpg"),
    ("photo:nature/Storm.jpg", "storm_clouds_over_road.jpg"),
    ("photo:nature/YellowFlower.jpg", "yellow_flower.jpg"),
    ("photo:nature/GreenMeadow.jpg", "green_meadow_grass.jpg"),
    ("tuxpaint:animals/mammals/dogs/dog", "dog.png"),
    ("tuxpaint:animals/mammals/bovines/cow", "cow.png"),
    ("tuxpaint:animals/mammals/equines/horse", "horse.png"),
    ("tuxpaint:animals/mammals/bovines/sheep", "sheep.png"),
    ("tuxpaint:animals/birds/rooster", "rooster.png"),
    ("tuxpaint:animals/amphibians/frog", "frog.png"),
    ("tuxpaint:animals/birds/owl", "owl.png"),
    ("tuxpaint:animals/mammals/cats/kitten", "white_kitten.png"),
    ("tuxpaint:household/kettle", "electric_kettle.png"),
    ("tuxpaint:hobbies/music/string/violin", "violin.png"),
    ("tuxpaint:vehicles/auto/sedan", "sedan_car.png"),
    ("tuxpaint:vehicles/locomotive/white_train", "locomotive.png"),
    ("tuxpaint:naturalforces/fire", "fire.png"),
    ("tuxpaint:household/umbrella", "red_umbrella.png"),
    ("tuxpaint:town/houses/cartoon/lighthouse", "lighthouse.png"),
    ("tuxpaint:vehicles/ship/sail_boat1", "sail_boat.png"),
    ("openclipart:people/beach_trip_ganson", "trip_to_the_beach.png"),
    ("openclipart:recreation/holiday/sailing_sunset", "sailboats_in_sunset.png"),
    ("openclipart:recreation/holiday/christmas/jingle_bells", "jingle_bells.png"),
]
SOUNDS = [
    ("megaglest:megaglest/tilesets/dark_forest/sounds/rain.ogg", "rain.wav"),
    ("0ad:audio/ambient/water/river_slow_21.ogg", "river_stream.wav"),
    ("0ad:audio/ambient/water/wave_21.ogg", "sea_waves.wav"),
    ("tuxpaint:animals/mammals/dogs/dog#sound", "dog_barking.wav"),
    ("wesnoth:wesnoth/1.16/data/core/sounds/ambient/birds1.ogg", "birds_singing.wav"),
    ("supertuxkart:supertuxkart/data/sfx/car_accel.ogg", "car_engine_accelerating.wav"),
    ("sonic:sonic-pi/samples/perc_bell.flac", "bell_ringing.wav"),
    ("0ad:audio/ambient/weather/windgust_11.ogg", "wind_gust.wav"),
    ("0ad:audio/attack/fire/c_11.ogg", "fire_crackling.wav"),
    ("0ad:audio/actor/human/movement/Footsteps/Footstep_Gravel_Walking", "footsteps_on_gravel.wav"),
    ("tuxpaint:animals/mammals/bovines/cow#sound", "cow_mooing.wav"),
    ("tuxpaint:animals/mammals/equines/horse#sound", "horse_neighing.wav"),
    ("supertuxkart:supertuxkart/data/sfx/thunder.ogg", "thunder.wav"),
    ("openttd:Applause", "applause.wav"),
    ("tuxpaint:animals/mammals/bovines/sheep#sound", "sheep_bleating.wav"),
    ("tuxpaint:animals/birds/rooster#sound", "rooster_crowing.wav"),
    ("openttd:Helicopter", "helicopter.wav"),
    ("openttd:Steam train station departure", "steam_train_departing.wav"),
]
NOTES = {
    "beach_walk_with_the_dog.md": "Walk on the beach with the dog. Waves crashing on the sand, "
    "seagulls overhead, and the dog barking at every wave.",
    "rainy_afternoon.md": "Rainy afternoon at home. Rain drumming on the window, a kettle "
    "boiling in the kitchen, thunder far away.",
    "farm_visit.md": "Visit to the farm: cows in the field, sheep bleating behind the fence, "
    "a rooster crowing and the horses in the stable.",
    "campfire_night.md": "Campfire in the woods at night. The fire crackles, an owl calls, "
    "crickets chirp in the grass.",
    "train_journey.md": "Train journey to the mountains. The old steam locomotive whistles "
    "as it leaves the station.",
    "garden_in_spring.md": "The garden in spring: yellow flowers, a ladybird on a blade of "
    "grass, birds singing in the trees.",
    "storm_on_the_road.md": "Driving home under a storm. Dark clouds, strong wind, the first "
    "heavy raindrops on the car.",
    "sailing_day.md": "Sailing day. The boat leaves the harbour past the lighthouse; the wind "
    "fills the sails and the sea is calm.",
    "concert_evening.md": "Concert evening: a violin solo, then the audience breaks into "
    "applause.",
    "river_hike.md": "Hike along the river. Water rushing over the rocks, footsteps on the "
    "gravel path, a frog croaking by the bank.",
}


def _resolve(items: dict[str, dict], key: str) -> dict:
    if key in items:
        return items[key]
    matches = sorted(i for i in items if i.startswith(key))
    if not matches:
        raise KeyError(f"no manifest item starts with {key!r}")
    return items[matches[0]]


def _write_image(item: dict, dst: Path) -> None:
    from PIL import Image

    with Image.open(item["path"]) as im:
        rgb = im.convert("RGB")
    rgb.thumbnail((1024, 1024) if dst.suffix == ".jpg" else (384, 384), Image.LANCZOS)
    if dst.suffix == ".jpg":
        rgb.save(dst, quality=82)
    else:
        rgb.save(dst, optimize=True)


def _decode(path: str) -> np.ndarray:
    """Mono float32 samples at 16 kHz, as PyAV decodes and resamples them."""
    import av

    chunks = []
    with av.open(path) as container:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        for frame in container.decode(audio=0):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1))
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray().reshape(-1))
    return np.concatenate(chunks) if chunks else np.zeros(0, np.float32)


def _write_sound(item: dict, dst: Path) -> float:
    samples = _decode(item["path"])[: int(MAX_SOUND_S * RATE)]
    fade = min(len(samples), RATE // 10)
    if fade:
        samples[-fade:] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(dst), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.tobytes())
    return len(samples) / RATE


def build_demo(cache_dir: str | None = None, demo: Path = DEMO) -> list[str]:
    """Write the demo library and PROVENANCE.md; mark the used ids in the manifest."""
    manifest = load_manifest(cache_dir)
    items = {i["id"]: i for i in manifest}
    rows, used = [], []
    for folder, picks in (("photos", IMAGES), ("sounds", SOUNDS)):
        (demo / folder).mkdir(parents=True, exist_ok=True)
        for key, name in picks:
            item = _resolve(items, key)
            dst = demo / folder / name
            if folder == "photos":
                _write_image(item, dst)
                how = "downscaled copy"
            else:
                how = f"first {_write_sound(item, dst):.1f} s, mono 16 kHz WAV"
            used.append(item["id"])
            rows.append(f"| {folder}/{name} | {item['source']} {item['version']} | "
                        f"`{item.get('origin', item['id'])}` | {item['license']} | {how} |")
    (demo / "notes").mkdir(parents=True, exist_ok=True)
    for name, text in NOTES.items():
        (demo / "notes" / name).write_text(text + "\n")
        rows.append(f"| notes/{name} | written for Synesthesia | - | CC0-1.0 | - |")
    (demo / "demo_ids.txt").write_text("\n".join(used) + "\n")
    (demo / "PROVENANCE.md").write_text(
        "# Demo library provenance\n\n"
        "Built by `python -m training.corpus demo` from the corpus manifest (the items\n"
        "are listed in demo_ids.txt and marked `\"demo\": true` there). The original path is\n"
        "inside the Debian package (`zip!member` for 0 A.D.'s public.zip, `cat#n` for the\n"
        "n-th sample of OpenTTD's opensfx.cat). Licenses are those of the package's\n"
        "copyright file (per sample for OpenTTD). Notes were written for this project.\n\n"
        "| file | package and version | original path | license | change |\n"
        "|---|---|---|---|---|\n" + "\n".join(rows) + "\n")
    path = manifest_path(cache_dir)
    marked = set(used)
    with path.open("w", encoding="utf-8") as f:
        for item in manifest:
            item.pop("demo", None)
            if item["id"] in marked:
                item["demo"] = True
            f.write(json.dumps(item, ensure_ascii=False) + "\n")
    return used
