"""RDS ModifyDBSubnetGroup keeps the group.

moto 5.2.5 pops the group from its table on ModifyDBSubnetGroup and never puts it back, so the group vanishes
after any in-place change; AWS keeps it (with the new description and subnets).
"""

from moto.rds import models as _m
_orig = _m.RDSBackend.modify_db_subnet_group
def _fixed(self, subnet_name, description, subnets):
    group = _orig(self, subnet_name, description, subnets)
    self.subnet_groups[subnet_name] = group
    return group
_m.RDSBackend.modify_db_subnet_group = _fixed
