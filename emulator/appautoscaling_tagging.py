"""Application Auto Scaling tagging, as AWS documents it.

moto 5.2.5 answers TagResource, UntagResource and ListTagsForResource with HTTP 500 and ignores `Tags` on
RegisterScalableTarget. AWS: tags given to RegisterScalableTarget apply when the target is new; the three tagging
calls work on the target's ARN and answer ResourceNotFoundException for an unknown ARN; tags go with the target.
"""

import json
from moto.core.exceptions import JsonRESTError
from moto.applicationautoscaling import responses as _r

_TAGS = {}
_R = _r.ApplicationAutoScalingResponse

def _targets(self):
    b = self.applicationautoscaling_backend
    return [t for by_id in b.targets.values() for t in by_id.values()]

def _known(self, arn):
    if not any(t.arn == arn for t in _targets(self)):
        raise JsonRESTError("ResourceNotFoundException", "No scalable target found for ARN " + arn)

_orig_register = _R.register_scalable_target
def _register(self):
    before = {t.arn for t in _targets(self)}
    out = _orig_register(self)
    arn = json.loads(out)["ScalableTargetARN"]
    tags = json.loads(self.body).get("Tags")
    if arn not in before:
        _TAGS[arn] = dict(tags or {})
    return out

_orig_deregister = _R.deregister_scalable_target
def _deregister(self):
    before = {t.arn for t in _targets(self)}
    out = _orig_deregister(self)
    for arn in before - {t.arn for t in _targets(self)}:
        _TAGS.pop(arn, None)
    return out

def _tag(self):
    body = json.loads(self.body)
    _known(self, body["ResourceARN"])
    _TAGS.setdefault(body["ResourceARN"], {}).update(body.get("Tags") or {})
    return "{}"

def _untag(self):
    body = json.loads(self.body)
    _known(self, body["ResourceARN"])
    for k in body.get("TagKeys") or []:
        _TAGS.get(body["ResourceARN"], {}).pop(k, None)
    return "{}"

def _list(self):
    body = json.loads(self.body)
    _known(self, body["ResourceARN"])
    return json.dumps({"Tags": _TAGS.get(body["ResourceARN"], {})})

_R.register_scalable_target = _register
_R.deregister_scalable_target = _deregister
_R.tag_resource = _tag
_R.untag_resource = _untag
_R.list_tags_for_resource = _list
