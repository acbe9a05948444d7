"""The argument contracts of snowplow-tracker 0.7.0 and 0.8 (PyContracts there).

Each check raises TypeError for a wrong type and ValueError for a wrong value,
naming the argument. disable_contracts() turns these contracts off, as
PyContracts' disable_all() did (for speed); the type checks that guard the C
library stay on, so a wrong type still raises TypeError.
"""

from snowplow import _core

_state = {"enabled": True}


def enable_contracts():
    _state["enabled"] = True


def disable_contracts():
    _state["enabled"] = False


def enabled():
    return _state["enabled"]


def non_empty_string(name, value):
    if not _state["enabled"]:
        return value
    _core.check_str(name, value, True)
    if not value:
        raise ValueError("%s must be a non-empty str" % name)
    return value


def string_or_none(name, value):
    """string_or_none as 0.8 (0.8.3) has it: a str ("" included, which 0.7.0
    refused), or None."""
    if value is None or not _state["enabled"]:
        return value
    return _core.check_str(name, value, True)


def string(name, value):
    if _state["enabled"]:
        _core.check_str(name, value, True)
    return value


def number_or_none(name, value):
    if _state["enabled"]:
        _core.check_number(name, value)
    return value


def integer(name, value, minimum=None):
    if not _state["enabled"]:
        return value
    _core.check_int(name, value, True)
    if minimum is not None and value < minimum:
        raise ValueError("%s must be at least %d, not %d" % (name, minimum, value))
    return value


def boolean(name, value):
    if _state["enabled"] and not isinstance(value, bool):
        raise TypeError("%s must be bool, not %s" % (name, _core.type_name(value)))
    return value


def callable_or_none(name, value):
    if _state["enabled"] and value is not None and not callable(value):
        raise TypeError("%s must be callable or None, not %s" % (name, _core.type_name(value)))
    return value
