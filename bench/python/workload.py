"""The council workload of WORKLOAD.md, generated in Python from a seed (the
same parameters give the same values in every run)."""
import random

WORDS = ("the model council weighs each answer and ranks the others before "
         "a chair writes the final response with care about facts sources "
         "and tone").split()
NON_ASCII = ["caf\u00e9", "na\u00efve", "\u2713", "\u65e5\u672c\u8a9e"]
GENDERS = ["female", "male", "nonbinary", None]
AGES = ["18-24", "25-34", "35-44", "45-54", "55+"]
MOODS = ["curious", "calm", "stressed", "happy"]
MODELS = ["openai/gpt-x", "google/gemini-x", "anthropic/claude-x",
          "x-ai/grok-x"]


def _text(rng, lo, hi, non_ascii=False):
    n = rng.randint(lo, hi)
    out = []
    size = 0
    while size < n:
        w = rng.choice(WORDS)
        out.append(w)
        size += len(w) + 1
    if non_ascii:
        out.insert(rng.randrange(len(out)), rng.choice(NON_ASCII))
    return " ".join(out)[:n]


class Workload:
    def __init__(self, users=200, conversations=10, exchanges=3, seed=42):
        rng = random.Random(seed)
        self.users = []
        for u in range(users):
            r = rng.random()
            tier = "free" if r < 0.7 else ("monthly" if r < 0.9 else "yearly")
            uid = "user_%06d" % u
            user = {
                "user_id": uid, "email": uid + "@example.com",
                "profile": {"gender": rng.choice(GENDERS),
                            "age_range": rng.choice(AGES),
                            "mood": rng.choice(MOODS)},
                "tier": tier,
                "stripe_customer_id": "cus_%06d" % u if tier != "free" else None,
                "stripe_subscription_id": "sub_%06d" % u if tier != "free" else None,
                "conversations": [],
            }
            for c in range(conversations):
                h = "%032x" % rng.getrandbits(128)
                cid = "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])
                exch = []
                for e in range(exchanges):
                    exch.append(self._exchange(rng))
                user["conversations"].append({"id": cid, "exchanges": exch})
            self.users.append(user)

    @staticmethod
    def _exchange(rng):
        question = _text(rng, 200, 400, rng.random() < 0.1)
        stage1 = [{"model": m, "response": _text(rng, 700, 900)} for m in MODELS]
        stage2 = [{"model": m, "ranking": _text(rng, 250, 350),
                   "parsed_ranking": ["Response %s" % x for x in "ABCD"]}
                  for m in MODELS]
        stage3 = {"model": MODELS[0], "response": _text(rng, 900, 1100)}
        metadata = {
            "label_to_model": {"Response %s" % x: m for x, m in zip("ABCD", MODELS)},
            "aggregate_rankings": [{"model": m, "average_rank": 1.75,
                                    "rankings_count": 4} for m in MODELS],
            "request_id": 9007199254740993,
        }
        return question, stage1, stage2, stage3, metadata

    def slices(self, workers):
        return [self.users[i::workers] for i in range(workers)]
