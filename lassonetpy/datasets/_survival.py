"""Survival data (family="cox"): the veteran lung cancer trial and GBSG2 (breast cancer)."""

from __future__ import annotations

import pandas as pd

from ._files import _as_categorical, _read_csv


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
