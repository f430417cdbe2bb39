"""S3 GetBucketVersioning answers with the document AWS sends.

moto 5.2.5 serializes a bucket's versioning status under the root element `GetBucketVersioningResponse`; AWS (and
the S3 API model) answer `<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>`, and the AWS
SDK for Rust refuses any other root. This patch renames the root element; the content is moto's.
"""

from moto.s3 import responses as _r

_R = _r.S3Response
_orig = _R.get_bucket_versioning
_WRONG = "GetBucketVersioningResponse"
_RIGHT = "VersioningConfiguration"


def _fixed(self):
    status, headers, body = _orig(self)
    if isinstance(body, bytes):
        body = body.replace(_WRONG.encode(), _RIGHT.encode())
    elif isinstance(body, str):
        body = body.replace(_WRONG, _RIGHT)
    if isinstance(headers, dict):
        headers.pop("Content-Length", None)
        headers.pop("content-length", None)
    return status, headers, body


_R.get_bucket_versioning = _fixed
