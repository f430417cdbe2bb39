"""The project's extensions of moto, loaded by every moto server the project starts (tests, e2e, make demo).

Python imports `sitecustomize` at start-up from PYTHONPATH; the launchers set PYTHONPATH to this directory. Each
module fills one gap between moto and AWS and says which; see README.md. Real AWS and a licensed LocalStack
never see this code.
"""

import appautoscaling_tagging  # noqa: F401
import cloudwatch_rpcv2_cbor  # noqa: F401
import kms_rotation_period  # noqa: F401
import rds_subnet_group_modify  # noqa: F401
import s3_create_bucket_tags  # noqa: F401
import s3_get_bucket_versioning  # noqa: F401
import s3_policy_conditions  # noqa: F401
import timing  # noqa: F401  (last: it wraps the dispatcher the modules above may have wrapped)
