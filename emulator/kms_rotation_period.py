"""KMS automatic rotation keeps its period.

moto 5.2.5 ignores `RotationPeriodInDays` on EnableKeyRotation and GetKeyRotationStatus never returns it. AWS
refuses a period outside 90-2560 days (ValidationException), keeps the period (365 days when none is given) and
returns it with `KeyRotationEnabled` while rotation is on.
"""

import json

from moto.kms import responses as _r
from moto.kms.exceptions import ValidationException

_DEFAULT_DAYS = 365


def _key(response):
    backend = response.kms_backend
    return backend.keys.get(backend.get_key_id(response._get_param("KeyId")))


_orig_enable = _r.KmsResponse.enable_key_rotation


def _enable(self):
    period = self._get_param("RotationPeriodInDays")
    if period is not None and not 90 <= int(period) <= 2560:
        raise ValidationException(
            f"1 validation error detected: Value '{period}' at 'rotationPeriodInDays' failed to satisfy "
            "constraint: Member must have value between 90 and 2560"
        )
    out = _orig_enable(self)
    key = _key(self)
    if key is not None:
        key.rotation_period_in_days = int(period) if period is not None else _DEFAULT_DAYS
    return out


_orig_status = _r.KmsResponse.get_key_rotation_status


def _status(self):
    out = json.loads(_orig_status(self))
    key = _key(self)
    if out.get("KeyRotationEnabled") and key is not None:
        out["RotationPeriodInDays"] = getattr(key, "rotation_period_in_days", _DEFAULT_DAYS)
    return json.dumps(out)


_r.KmsResponse.enable_key_rotation = _enable
_r.KmsResponse.get_key_rotation_status = _status
