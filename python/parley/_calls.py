"""The 21 calls of the original storage module: their exact signatures, and
how each one's Python arguments become the C ABI's arguments.

Each prep function checks and converts every argument before anything is
sent (so a value json cannot serialize is a TypeError with nothing written)
and returns (C function name, C arguments after the store handle).

Arguments:
  ids and texts  str only, sent as UTF-8 ("surrogatepass": a lone surrogate
                 goes as its WTF-8 form, which the C ABI accepts); another
                 type is TypeError, except where noted below.
  payloads       any value json.dumps takes (ensure_ascii, allow_nan, as the
                 original's json.dump wrote it).
Where the original stored whatever it was given and the C ABI takes text:
  update_conversation_title(cid, title) with a title that is not a str is
      sent as update_conversation(cid, {"title": title}): the original did
      exactly that merge, so the effect is the same (None, 5, a dict, ...).
  create_conversation's subscription_tier is only compared with "free" (it
      is not stored): any value that is not a str "free" means "not free".
  create_user_profile's email: a false value (None, "") means
      "unknown@clerk.local", as in the original; another non-str is TypeError.
  create_subscription's tier and content of add_user_message must be str
      (no JSON call has the same effect), else TypeError.
"""
import inspect
import json

from ._ffi import NULL

_dumps = json.JSONEncoder(ensure_ascii=True, allow_nan=True).encode


def _text(value, what):
    if not isinstance(value, str):
        raise TypeError("%s must be str, not %s" % (what, type(value).__name__))
    b = value.encode("utf-8", "surrogatepass")
    return b, len(b)


def _opt_text(value, what):
    if value is None:
        return NULL, 0
    return _text(value, what)


def _json(value):
    b = _dumps(value).encode("ascii")
    return b, len(b)


def _opt_json(value):
    if value is None:
        return NULL, 0
    return _json(value)


def create_conversation(conversation_id, user_id, subscription_tier="free"):
    if isinstance(subscription_tier, str):
        tier = _text(subscription_tier, "subscription_tier")
    else:
        tier = (b"", 0)   # not "free": no expiry, as the original's == "free"
    return ("parley_create_conversation",
            (*_text(conversation_id, "conversation_id"),
             *_text(user_id, "user_id"), *tier))


def get_conversation(conversation_id):
    return ("parley_get_conversation",
            _text(conversation_id, "conversation_id"))


def save_conversation(conversation):
    return ("parley_save_conversation", _json(conversation))


def list_conversations(user_id=None):
    return ("parley_list_conversations", _opt_text(user_id, "user_id"))


def add_user_message(conversation_id, content):
    return ("parley_add_user_message",
            (*_text(conversation_id, "conversation_id"),
             *_text(content, "content")))


def add_assistant_message(conversation_id, stage1, stage2, stage3,
                          metadata=None):
    return ("parley_add_assistant_message",
            (*_text(conversation_id, "conversation_id"), *_json(stage1),
             *_json(stage2), *_json(stage3), *_opt_json(metadata)))


def update_conversation(conversation_id, updates):
    return ("parley_update_conversation",
            (*_text(conversation_id, "conversation_id"), *_json(updates)))


def update_conversation_title(conversation_id, title):
    if not isinstance(title, str):
        return update_conversation(conversation_id, {"title": title})
    return ("parley_update_conversation_title",
            (*_text(conversation_id, "conversation_id"),
             *_text(title, "title")))


def toggle_conversation_starred(conversation_id):
    return ("parley_toggle_conversation_starred",
            _text(conversation_id, "conversation_id"))


def delete_conversation(conversation_id):
    return ("parley_delete_conversation",
            _text(conversation_id, "conversation_id"))


def save_follow_up_answers(conversation_id, follow_up_answers):
    return ("parley_save_follow_up_answers",
            (*_text(conversation_id, "conversation_id"),
             *_json(follow_up_answers)))


def create_user_profile(user_id, email, profile_data):
    if not email:
        mail = (NULL, 0)    # the original's `email or "unknown@clerk.local"`
    else:
        mail = _text(email, "email")
    return ("parley_create_user_profile",
            (*_text(user_id, "user_id"), *mail, *_json(profile_data)))


def get_user_profile(user_id):
    return ("parley_get_user_profile", _text(user_id, "user_id"))


def update_user_profile(user_id, profile_data):
    return ("parley_update_user_profile",
            (*_text(user_id, "user_id"), *_json(profile_data)))


def create_subscription(user_id, tier="free"):
    return ("parley_create_subscription",
            (*_text(user_id, "user_id"), *_text(tier, "tier")))


def get_subscription(user_id):
    return ("parley_get_subscription", _text(user_id, "user_id"))


def update_subscription(user_id, data):
    return ("parley_update_subscription",
            (*_text(user_id, "user_id"), *_json(data)))


def update_subscription_by_stripe_id(stripe_subscription_id, data):
    return ("parley_update_subscription_by_stripe_id",
            (*_text(stripe_subscription_id, "stripe_subscription_id"),
             *_json(data)))


def restore_all_expired_reports(user_id):
    return ("parley_restore_all_expired_reports", _text(user_id, "user_id"))


def count_user_conversations(user_id):
    return ("parley_count_user_conversations", _text(user_id, "user_id"))


def get_active_conversations_count(user_id):
    return ("parley_get_active_conversations_count",
            _text(user_id, "user_id"))


# The original module's order.
NAMES = (
    "create_conversation", "get_conversation", "save_conversation",
    "list_conversations", "add_user_message", "add_assistant_message",
    "update_conversation", "update_conversation_title",
    "toggle_conversation_starred", "delete_conversation",
    "save_follow_up_answers", "create_user_profile", "get_user_profile",
    "update_user_profile", "create_subscription", "get_subscription",
    "update_subscription", "update_subscription_by_stripe_id",
    "restore_all_expired_reports", "count_user_conversations",
    "get_active_conversations_count",
)

PREP = {name: globals()[name] for name in NAMES}


def _doc(name):
    return "%s%s: as the original storage module's." % (
        name, inspect.signature(PREP[name]))


def define(namespace, template, self_arg):
    """Defines one function per call in `namespace` from `template`, with the
    call's own signature (names, defaults, order), so positional and keyword
    arguments and their errors are Python's own. The template sees NAME,
    SIG (the parameter list, with `self_arg` first when given) and ARGS
    (the parameters passed on by keyword)."""
    for name in NAMES:
        sig = inspect.signature(PREP[name])
        params = [str(p) for p in sig.parameters.values()]
        args = ", ".join("%s=%s" % (p, p) for p in sig.parameters)
        if self_arg:
            params.insert(0, self_arg)
        src = template.format(NAME=name, SIG=", ".join(params), ARGS=args)
        exec(src, namespace)
        namespace[name].__doc__ = _doc(name)
