"""Regenerate bmt.csv and bmt_cif_sksurv.csv (needs scikit-survival; run by hand, not by tests).

Source: scikit-survival 0.28.0, ``sksurv.datasets.load_bmt()`` and
``sksurv.nonparametric.cumulative_incidence_competing_risks(status, ftime,
conf_type="log-log")`` (default var_type="Aalen", conf_level=0.95).
"""

from pathlib import Path

import numpy as np
import pandas as pd
from sksurv.datasets import load_bmt
from sksurv.nonparametric import cumulative_incidence_competing_risks

HERE = Path(__file__).parent

dis, outcome = load_bmt()
bmt = pd.DataFrame({"ftime": outcome["ftime"], "status": outcome["status"],
                    "dis": dis["dis"].astype(int)})
bmt.to_csv(HERE / "bmt.csv", index=False)
time, cif, ci = cumulative_incidence_competing_risks(bmt.status.to_numpy(),
                                                     bmt.ftime.to_numpy(), conf_type="log-log")
rows = {"time": time}
for k in range(1, cif.shape[0]):
    rows[f"cif{k}"] = cif[k]
    rows[f"cif{k}_low"] = ci[k, 0]
    rows[f"cif{k}_high"] = ci[k, 1]
pd.DataFrame(rows).to_csv(HERE / "bmt_cif_sksurv.csv", index=False, float_format="%.17g")
print(np.round(cif[1:, -1], 6))
