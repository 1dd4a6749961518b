"""Writes the demo corpus embedded in cortado.jar: simple, regular English (short stories and plain facts) that a
small byte-level GPT visibly learns in a few minutes on two cores.

Deterministic (fixed seed, Python's stdlib only). Run from the repository root:
    python3 tools/corpus/make_demo_corpus.py
which rewrites cli/src/main/resources/cortado/demo/corpus.txt (committed).
"""
import pathlib
import random

NAMES = ["Tom", "Lily", "Max", "Anna", "Ben", "Mia", "Sam", "Lucy", "Jack", "Emma", "Leo", "Rosa"]
ANIMALS = ["cat", "dog", "rabbit", "bird", "fox", "duck", "mouse", "bear", "frog", "horse"]
PLACES = ["a small house", "a big farm", "a quiet village", "a green forest", "a little town", "an old mill"]
NEAR = ["the river", "the hill", "the sea", "the lake", "the woods", "the park"]
LIKES = ["play in the garden", "read books", "run in the grass", "sing songs", "look at the stars",
         "pick red apples", "swim in the pond", "draw pictures", "bake bread", "climb trees"]
THINGS = ["ball", "box", "key", "hat", "kite", "cup", "book", "shell", "stone", "map"]
COLORS = ["red", "blue", "green", "yellow", "white", "black", "brown", "pink"]
FEELINGS = ["happy", "sad", "tired", "hungry", "scared", "excited", "sleepy", "proud"]
FRIENDS = ["friend", "mother", "father", "sister", "brother", "teacher", "neighbor"]
WEATHER = ["sunny", "rainy", "windy", "cold", "warm", "snowy"]
ENDINGS = [
    "From that day on, {a} and {b} were best friends.",
    "{a} smiled and said, \"Thank you for helping me.\"",
    "That night, {a} went to bed happy.",
    "And they all lived happily ever after.",
    "{a} learned that it is good to share.",
]
FOODS = ["apples", "pears", "eggs", "carrots", "cakes", "plums", "cookies", "nuts"]
ANIMAL_FACTS = {
    "cat": ("meow", "fish", 4), "dog": ("woof", "meat", 4), "bird": ("tweet", "seeds", 2),
    "duck": ("quack", "bread", 2), "frog": ("croak", "flies", 4), "cow": ("moo", "grass", 4),
    "horse": ("neigh", "hay", 4), "sheep": ("baa", "grass", 4), "mouse": ("squeak", "cheese", 4),
    "bee": ("buzz", "nectar", 6), "pig": ("oink", "corn", 4), "owl": ("hoot", "mice", 2),
}
NUMBERS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def a_an(word):
    return ("an " if word[0] in "aeiou" else "a ") + word


def draw_story(rng):
    """One story's choices, drawn in a fixed order (the corpus's bytes depend on it)."""
    name, friend_name = rng.sample(NAMES, 2)
    animal = rng.choice(ANIMALS)
    thing, color = rng.choice(THINGS), rng.choice(COLORS)
    return {"name": name, "friend": friend_name, "animal": animal, "thing": thing, "color": color,
            "place": rng.choice(PLACES), "near": rng.choice(NEAR), "like": rng.choice(LIKES),
            "weather": rng.choice(WEATHER), "feeling": rng.choice(FEELINGS), "friend_animal": rng.choice(ANIMALS),
            "shares": rng.choice([True, False]), "ending": rng.choice(ENDINGS)}


def opening(s):
    """The story's first four sentences: who, where, what they like, what they found."""
    name = s["name"]
    return [f"Once upon a time, there was a little {s['animal']} named {name}.",
            f"{name} lived in {s['place']} near {s['near']}.",
            f"Every day, {name} liked to {s['like']}.",
            f"One {s['weather']} morning, {name} found {a_an(s['color'])} {s['thing']}."]


def story(rng):
    s = draw_story(rng)
    name, friend_name, thing = s["name"], s["friend"], s["thing"]
    rest = [f"\"What a nice {thing}!\" said {name}.",
            f"{name} felt {s['feeling']}.",
            f"Then {name} met {friend_name}, who was {a_an(s['friend_animal'])}.",
            f"{friend_name} said, \"Can I play with your {thing}?\"",
            f"{name} said, \"Yes, let us play together.\"" if s["shares"] else
            f"{name} said, \"No, it is mine.\" Then {name} saw that {friend_name} was sad, "
            f"and {name} gave {friend_name} the {thing}.",
            f"They played with the {s['color']} {thing} until the sun went down.",
            s["ending"].format(a=name, b=friend_name)]
    return " ".join(opening(s) + rest)


def facts(rng):
    out = []
    for _ in range(4):
        kind = rng.randrange(5)
        if kind == 0:
            animal = rng.choice(list(ANIMAL_FACTS))
            sound, food, legs = ANIMAL_FACTS[animal]
            out.append(f"The {animal} says {sound}. The {animal} eats {food}. "
                       f"The {animal} has {NUMBERS[legs]} legs.")
        elif kind == 1:
            x, y = rng.randrange(1, 7), rng.randrange(1, 7)
            out.append(f"{NUMBERS[x].capitalize()} plus {NUMBERS[y]} is {NUMBERS[x + y]}.")
        elif kind == 2:
            i = rng.randrange(7)
            out.append(f"After {DAYS[i]} comes {DAYS[(i + 1) % 7]}.")
        elif kind == 3:
            name = rng.choice(NAMES)
            out.append(f"{name} has {NUMBERS[rng.randrange(2, 10)]} {rng.choice(FOODS)} "
                       f"and a {rng.choice(COLORS)} {rng.choice(THINGS)}.")
        else:
            name, who = rng.choice(NAMES), rng.choice(FRIENDS)
            out.append(f"{name} is {rng.choice(FEELINGS)} because {name}'s {who} is coming home.")
    return " ".join(out)


def main():
    rng = random.Random(20240520)
    parts, size = [], 0
    while size < 400_000:
        p = story(rng) if rng.random() < 0.7 else facts(rng)
        parts.append(p)
        size += len(p) + 2
    text = "\n\n".join(parts) + "\n"
    out = pathlib.Path(__file__).resolve().parents[2] / "cli/src/main/resources/cortado/demo/corpus.txt"
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out} ({len(text.encode('utf-8'))} bytes, {len(parts)} paragraphs)")


if __name__ == "__main__":
    main()
