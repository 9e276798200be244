"""The demo corpus: the notes' example ("I grew up in India. ... I speak Hindi.") at scale.

Each document states where the speaker grew up, then a stretch of unrelated
filler, then "I speak <language>." The filler carries no hint of the country, so
the language can only be predicted by remembering the first sentence across the
gap. Distances are measured in characters of filler, from 0 (none) up to
``MAX_DISTANCE``. Pure Python and deterministic: the same seed gives the same text.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# One language per country, so the gold answer of a probe is never ambiguous.
PAIRS: tuple[tuple[str, str], ...] = (
    ("India", "Hindi"),
    ("France", "French"),
    ("Germany", "German"),
    ("Spain", "Spanish"),
    ("Italy", "Italian"),
    ("Japan", "Japanese"),
    ("China", "Mandarin"),
    ("Russia", "Russian"),
    ("Greece", "Greek"),
    ("Turkey", "Turkish"),
    ("Poland", "Polish"),
    ("Sweden", "Swedish"),
    ("Finland", "Finnish"),
    ("Hungary", "Hungarian"),
    ("Portugal", "Portuguese"),
    ("Holland", "Dutch"),
    ("Korea", "Korean"),
    ("Thailand", "Thai"),
    ("Vietnam", "Vietnamese"),
    ("Iran", "Persian"),
    ("Israel", "Hebrew"),
    ("Kenya", "Swahili"),
    ("Denmark", "Danish"),
    ("Norway", "Norwegian"),
)
LANGUAGES: tuple[str, ...] = tuple(language for _, language in PAIRS)

MAX_DISTANCE = 300  # characters of filler at most: the spec's "at least 300"
FACT_TEMPLATES = ("I grew up in {country}.", "I was born in {country}.", "My family lived in {country}.")
ANSWER_PREFIX = "I speak"
MEASURE_SEED = 20_000  # the held-out text gradients and gate usage are measured on

# Filler vocabulary: everyday words that never name a place or a language.
_SUBJECTS = (
    "The cat",
    "My neighbour",
    "The old man",
    "A small dog",
    "The teacher",
    "My sister",
    "The baker",
    "Our friend",
    "The driver",
    "A young girl",
    "The farmer",
    "My brother",
    "The doctor",
    "A tall woman",
)
_VERBS = (
    "likes",
    "painted",
    "found",
    "carried",
    "wanted",
    "cleaned",
    "bought",
    "watched",
    "opened",
    "lost",
    "fixed",
    "moved",
    "counted",
    "dropped",
)
_OBJECTS = (
    "the red door",
    "a warm coat",
    "the garden gate",
    "an old book",
    "the blue bicycle",
    "a cup of tea",
    "the kitchen table",
    "a wooden box",
    "the green lamp",
    "a long letter",
    "the heavy bag",
    "some bread",
    "the broken chair",
    "a paper kite",
)
_ENDINGS = (
    "",
    " in the morning",
    " after lunch",
    " last week",
    " again",
    " on Sunday",
    " before dinner",
    " in the rain",
    " very slowly",
    " with care",
)
_STANDALONE = (
    "It rained all day.",
    "The bus was late.",
    "We had soup for dinner.",
    "The sky turned grey.",
    "Nobody said a word.",
    "The shop closed early.",
    "The river was cold.",
    "Time passed quickly.",
)


@dataclass(frozen=True)
class Document:
    text: str  # one line, ending with "\n"
    country: str
    language: str
    distance: int  # characters of filler between the fact and "I speak"


@dataclass(frozen=True)
class ProbeCase:
    prompt: str  # the document up to and including "I speak" (no trailing space)
    language: str  # the gold answer
    country: str
    distance: int


def filler_sentence(rng: random.Random) -> str:
    if rng.random() < 0.2:
        return rng.choice(_STANDALONE)
    return f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)}{rng.choice(_ENDINGS)}."


def filler(rng: random.Random, target: int) -> str:
    """Unrelated sentences, joined by spaces, as long as fits within ``target`` characters."""
    text = ""
    for _ in range(1000):  # a target below every sentence length ends after a few misses
        sentence = filler_sentence(rng)
        candidate = f"{text} {sentence}" if text else sentence
        if len(candidate) > target:
            if target - len(text) < 20:
                break
            continue
        text = candidate
    return text


def make_document(rng: random.Random, *, max_distance: int = MAX_DISTANCE) -> Document:
    country, language = rng.choice(PAIRS)
    fact = rng.choice(FACT_TEMPLATES).format(country=country)
    # A uniform target spreads documents evenly over distances instead of piling them up
    # around the mean of a sum of sentence lengths.
    gap = filler(rng, rng.randint(0, max_distance))
    middle = f" {gap} " if gap else " "
    text = f"{fact}{middle}{ANSWER_PREFIX} {language}.\n"
    return Document(text, country, language, len(gap))


def generate_documents(count: int, *, seed: int = 0, max_distance: int = MAX_DISTANCE) -> list[Document]:
    rng = random.Random(seed)
    return [make_document(rng, max_distance=max_distance) for _ in range(count)]


def corpus_text(count: int, *, seed: int = 0, max_distance: int = MAX_DISTANCE) -> str:
    """The documents as one text, one document per line."""
    return "".join(doc.text for doc in generate_documents(count, seed=seed, max_distance=max_distance))


def probe_cases(count: int, *, seed: int = 10_000, max_distance: int = MAX_DISTANCE) -> list[ProbeCase]:
    """Prompts cut right after "I speak", with the gold language and the distance.

    Use a seed other than the training corpus's so the documents are held out.
    """
    cases = []
    for doc in generate_documents(count, seed=seed, max_distance=max_distance):
        cut = doc.text.rindex(ANSWER_PREFIX) + len(ANSWER_PREFIX)
        cases.append(ProbeCase(doc.text[:cut], doc.language, doc.country, doc.distance))
    return cases


def demo_probe_cases(per_bucket: int = 60, *, seed: int = 10_000) -> list[ProbeCase]:
    """The probe set the CLI, the demo build and the Explain page all score: ``per_bucket`` cases
    of every distance bucket, held out from the demo's training text."""
    from lstm_core.measure.probe import balanced_cases  # here: the rest of this file needs no torch

    # Enough raw cases that even the rarest bucket (no filler at all) fills up.
    return balanced_cases(probe_cases(per_bucket * 60, seed=seed), per_bucket)


def demo_measure_text() -> str:
    """Held-out demo text for gradient flow and gate usage, the same on every machine."""
    return corpus_text(300, seed=MEASURE_SEED)
