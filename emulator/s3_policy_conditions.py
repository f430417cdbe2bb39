"""S3 bucket policy statements with a Condition apply only when the condition matches.

moto 5.2.5 evaluates a bucket's policy for object calls (PutObject, GetObject, DeleteObject, the keys of
DeleteObjects) but passes no request context (`aws:SecureTransport`, `aws:SourceIp`, …), and answers DENIED for
any statement whose condition it therefore cannot match, whatever the statement's effect: a bucket whose policy
denies plain HTTP (`"Condition": {"Bool": {"aws:SecureTransport": "false"}}`) refuses every object call, over HTTPS
too. AWS applies a statement only when its condition matches. Without the request context the condition cannot be
evaluated, so this patch leaves conditional statements out of S3's evaluation (unconditional ones are evaluated as
moto does); a policy's conditions are not enforced here.
"""

import json

from moto.iam.access_control import IAMPolicyStatement, PermissionResult
from moto.s3 import models as _m


def _get_permission(self, action, resource):
    if self.policy is None:
        return PermissionResult.NEUTRAL
    document = json.loads(self.policy.decode() if isinstance(self.policy, bytes) else self.policy)
    statements = document.get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]
    permitted = False
    for statement in statements:
        if statement.get("Condition"):
            continue
        result = IAMPolicyStatement(statement).is_action_permitted(action, resource)
        if result == PermissionResult.DENIED:
            return result
        permitted = permitted or result == PermissionResult.PERMITTED
    return PermissionResult.PERMITTED if permitted else PermissionResult.NEUTRAL


_m.FakeBucket.get_permission = _get_permission
