"""S3 CreateBucket tags, as AWS documents them.

moto 5.2.5 ignores `CreateBucketConfiguration/Tags` of CreateBucket, so a bucket created with tags has none. AWS
(general purpose buckets) tags the new bucket with them in the same call, so a bucket never exists untagged. The
provider relies on that: its ownership and identity tags are what lets a create adopt the bucket an interrupted
create left behind. This patch applies the tags when CreateBucket made a new bucket; a repeated CreateBucket of an
existing bucket (us-east-1 answers it with 200) leaves the existing bucket's tags alone.
"""

import xmltodict
from moto.s3 import responses as _r

_R = _r.S3Response
_orig_put = _R._bucket_response_put


def _tags_of(body):
    try:
        config = xmltodict.parse(body).get("CreateBucketConfiguration") or {}
    except Exception:  # not XML: nothing to apply (moto's own handling answers the request)
        return {}
    tags = ((config.get("Tags") or {}).get("Tag")) or []
    if not isinstance(tags, list):
        tags = [tags]
    return {t["Key"]: t.get("Value") or "" for t in tags if isinstance(t, dict) and "Key" in t}


def _put(self, request, bucket_name, querystring):
    creating = not querystring and request.method == "PUT"
    existed = creating and bucket_name in self.backend.buckets
    out = _orig_put(self, request, bucket_name, querystring)
    if creating and not existed and bucket_name in self.backend.buckets and self.body:
        tags = _tags_of(self.body)
        if tags:
            self.backend.put_bucket_tagging(bucket_name, tags)
    return out


_R._bucket_response_put = _put
