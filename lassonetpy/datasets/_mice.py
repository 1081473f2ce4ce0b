"""The MICE protein expression data (the package's main demo data) and its protein names."""

from __future__ import annotations

import pandas as pd

from ._files import _as_categorical, _read_csv

#: The 77 protein expression columns of :func:`load_mice_protein`, in file order.
MICE_PROTEIN_FEATURES: tuple[str, ...] = (
    "DYRK1A_N", "ITSN1_N", "BDNF_N", "NR1_N", "NR2A_N", "pAKT_N", "pBRAF_N", "pCAMKII_N",
    "pCREB_N", "pELK_N", "pERK_N", "pJNK_N", "PKCA_N", "pMEK_N", "pNR1_N", "pNR2A_N",
    "pNR2B_N", "pPKCAB_N", "pRSK_N", "AKT_N", "BRAF_N", "CAMKII_N", "CREB_N", "ELK_N",
    "ERK_N", "GSK3B_N", "JNK_N", "MEK_N", "TRKA_N", "RSK_N", "APP_N", "Bcatenin_N",
    "SOD1_N", "MTOR_N", "P38_N", "pMTOR_N", "DSCR1_N", "AMPKA_N", "NR2B_N", "pNUMB_N",
    "RAPTOR_N", "TIAM1_N", "pP70S6_N", "NUMB_N", "P70S6_N", "pGSK3B_N", "pPKCG_N", "CDK5_N",
    "S6_N", "ADARB1_N", "AcetylH3K9_N", "RRP1_N", "BAX_N", "ARC_N", "ERBB4_N", "nNOS_N",
    "Tau_N", "GFAP_N", "GluR3_N", "GluR4_N", "IL1B_N", "P3525_N", "pCASP9_N", "PSD95_N",
    "SNCA_N", "Ubiquitin_N", "pGSK3B_Tyr216_N", "SHH_N", "BAD_N", "BCL2_N", "pS6_N",
    "pCFOS_N", "SYP_N", "H3AcK18_N", "EGR1_N", "H3MeK4_N", "CaNA_N",
)  # fmt: skip

_MICE_CLASSES = (
    "c-CS-m", "c-CS-s", "c-SC-m", "c-SC-s", "t-CS-m", "t-CS-s", "t-SC-m", "t-SC-s",
)  # fmt: skip


def mice_protein_features() -> list[str]:
    """Names of the 77 protein columns of :func:`load_mice_protein`, in file order.

    Returns
    -------
    list of str
        A new list each call (a copy of :data:`MICE_PROTEIN_FEATURES`), from ``"DYRK1A_N"``
        to ``"CaNA_N"``.

    Examples
    --------
    >>> feats = mice_protein_features()
    >>> len(feats), feats[0], feats[-1]
    (77, 'DYRK1A_N', 'CaNA_N')
    """
    return list(MICE_PROTEIN_FEATURES)


def load_mice_protein() -> pd.DataFrame:
    """Mice Protein Expression data: 8-class classification from 77 proteins.

    Expression levels of 77 proteins measured in the nuclear fraction of the cerebral cortex
    of 72 mice (Higuera, Gardiner and Cios, 2015). Control and trisomic (Ts65Dn, a mouse model
    of Down syndrome) mice were trained in context fear conditioning, with or without the
    drug memantine. This is the demo dataset of LassoNet (Lemhadri et al., 2021), where it is
    used to pick a few proteins that separate the eight classes.

    Returns
    -------
    pandas.DataFrame
        1080 rows and 82 columns, in this order:

        MouseID : str
            ``"<mouse>_<replicate>"``, e.g. ``"309_1"``. Each of the 72 mice was measured
            15 times (replicates 1 to 15). Unique per row.
        DYRK1A_N, ITSN1_N, ..., CaNA_N : float64
            The 77 protein features (listed by :func:`mice_protein_features`): expression
            level of a protein, or of a phosphorylated form (a ``p`` prefix, e.g.
            ``pAKT_N``), or of a histone modification (``AcetylH3K9_N``, ``H3AcK18_N``,
            ``H3MeK4_N``), in the nuclear fraction (the ``_N`` suffix). Missing values are
            kept as NaN: 1396 in total, in 49 columns (most in ``BCL2_N``: 285,
            ``H3MeK4_N``: 270, ``BAD_N``: 213, ``EGR1_N``: 210 and ``H3AcK18_N``: 180);
            three rows miss 43 of the 77 values.
        Genotype : categorical, levels ``["Control", "Ts65Dn"]``
            Control (570 rows) or trisomic (510).
        Treatment : categorical, levels ``["Memantine", "Saline"]``
            Injected with memantine (570) or saline (510).
        Behavior : categorical, levels ``["C/S", "S/C"]``
            ``C/S``: context-shock, stimulated to learn (525); ``S/C``: shock-context, not
            stimulated (555).
        class : categorical, 8 levels
            ``<genotype>-<behavior>-<treatment>``, e.g. ``"t-CS-m"`` = trisomic, context-shock,
            memantine. Levels (sorted) and counts: ``c-CS-m`` 150, ``c-CS-s`` 135,
            ``c-SC-m`` 150, ``c-SC-s`` 135, ``t-CS-m`` 135, ``t-CS-s`` 105, ``t-SC-m`` 135,
            ``t-SC-s`` 135.

    See Also
    --------
    mice_protein_features : the 77 feature names.

    Notes
    -----
    The 15 rows of one mouse are replicate measurements, not independent samples, and every
    mouse belongs to a single class. A random train/test split therefore puts the same mice
    on both sides. For an honest estimate, split by mouse:
    ``df["MouseID"].str.rsplit("_", n=1).str[0]`` gives the mouse (72 groups). The LassoNet
    paper fills each missing value with the mean of its class.

    **Origin.** Higuera C, Gardiner KJ, Cios KJ (2015). Self-organizing feature maps identify
    proteins critical to learning in a mouse model of Down syndrome. *PLoS ONE* 10(6):
    e0129126. UCI Machine Learning Repository, "Mice Protein Expression" (dataset 342); the
    same data as OpenML ``miceprotein``. The shipped file is a byte-identical (gzip-compressed)
    copy of ``examples/Data_Cortex_Nuclear.csv`` in the ``lasso-net/lassonet`` repository
    (commit f2bf7d2, MIT license).

    **License.** The data: Creative Commons Attribution 4.0 (CC BY 4.0), as given by UCI;
    cite the paper above.

    Examples
    --------
    >>> df = load_mice_protein(); df.shape
    (1080, 82)
    >>> X = df[mice_protein_features()]; y = df["class"]
    >>> X.shape, len(y.cat.categories)
    ((1080, 77), 8)
    >>> int(X.isna().sum().sum())
    1396
    """
    df = _read_csv("mice_protein.csv.gz")
    _as_categorical(df, "Genotype", ["Control", "Ts65Dn"])
    _as_categorical(df, "Treatment", ["Memantine", "Saline"])
    _as_categorical(df, "Behavior", ["C/S", "S/C"])
    _as_categorical(df, "class", _MICE_CLASSES)
    return df
