"""Country names and codes (German and English) -> ISO 3166 alpha-2.

Keys are normalised by `normalise_country` (lower case, umlauts spelled out, accents and
punctuation dropped), so "Österreich", "oesterreich" and "OESTERREICH" meet in one key."""

from __future__ import annotations

import re
import unicodedata

# Every assigned ISO 3166-1 alpha-2 code, so any valid code passes even without a name below.
ISO_ALPHA2 = frozenset(
    """AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR
    BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE
    EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN
    HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK
    LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF
    NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD
    SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ
    UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW""".split()
)

# code, alpha-3, then English and German names and common variants
_NAMES: tuple[tuple[str, ...], ...] = (
    # EU
    ("AT", "AUT", "Austria", "Österreich", "Oesterreich"),
    ("BE", "BEL", "Belgium", "Belgien", "Belgique", "België"),
    ("BG", "BGR", "Bulgaria", "Bulgarien"),
    ("HR", "HRV", "Croatia", "Kroatien", "Hrvatska"),
    ("CY", "CYP", "Cyprus", "Zypern"),
    ("CZ", "CZE", "Czech Republic", "Czechia", "Tschechien", "Tschechische Republik", "Česko"),
    ("DK", "DNK", "Denmark", "Dänemark", "Danmark"),
    ("EE", "EST", "Estonia", "Estland"),
    ("FI", "FIN", "Finland", "Finnland", "Suomi"),
    ("FR", "FRA", "France", "Frankreich"),
    ("DE", "DEU", "Germany", "Deutschland", "Bundesrepublik Deutschland", "BRD", "GER", "Federal Republic of Germany"),
    ("GR", "GRC", "Greece", "Griechenland", "Hellas"),
    ("HU", "HUN", "Hungary", "Ungarn", "Magyarország"),
    ("IE", "IRL", "Ireland", "Irland", "Republic of Ireland", "Eire"),
    ("IT", "ITA", "Italy", "Italien", "Italia"),
    ("LV", "LVA", "Latvia", "Lettland"),
    ("LT", "LTU", "Lithuania", "Litauen"),
    ("LU", "LUX", "Luxembourg", "Luxemburg"),
    ("MT", "MLT", "Malta"),
    ("NL", "NLD", "Netherlands", "The Netherlands", "Niederlande", "Holland", "Nederland"),
    ("PL", "POL", "Poland", "Polen", "Polska"),
    ("PT", "PRT", "Portugal"),
    ("RO", "ROU", "Romania", "Rumänien"),
    ("SK", "SVK", "Slovakia", "Slowakei", "Slovak Republic"),
    ("SI", "SVN", "Slovenia", "Slowenien"),
    ("ES", "ESP", "Spain", "Spanien", "España"),
    ("SE", "SWE", "Sweden", "Schweden", "Sverige"),
    # EFTA
    ("CH", "CHE", "Switzerland", "Schweiz", "Suisse", "Svizzera", "Confoederatio Helvetica"),
    ("NO", "NOR", "Norway", "Norwegen", "Norge"),
    ("IS", "ISL", "Iceland", "Island"),
    ("LI", "LIE", "Liechtenstein"),
    # G20 and other large economies
    ("GB", "GBR", "United Kingdom", "UK", "U.K.", "Great Britain", "Britain", "England", "Scotland", "Wales",
     "Northern Ireland", "Vereinigtes Königreich", "Großbritannien", "Grossbritannien", "Britannien",
     "United Kingdom of Great Britain and Northern Ireland"),
    ("US", "USA", "United States", "United States of America", "U.S.", "U.S.A.", "America", "Vereinigte Staaten",
     "Vereinigte Staaten von Amerika", "Amerika"),
    ("CA", "CAN", "Canada", "Kanada"),
    ("MX", "MEX", "Mexico", "Mexiko", "México"),
    ("BR", "BRA", "Brazil", "Brasilien", "Brasil"),
    ("AR", "ARG", "Argentina", "Argentinien"),
    ("CL", "CHL", "Chile"),
    ("CO", "COL", "Colombia", "Kolumbien"),
    ("PE", "PER", "Peru"),
    ("UY", "URY", "Uruguay"),
    ("VE", "VEN", "Venezuela"),
    ("CR", "CRI", "Costa Rica"),
    ("PA", "PAN", "Panama"),
    ("EC", "ECU", "Ecuador"),
    ("CN", "CHN", "China", "People's Republic of China", "Volksrepublik China", "PRC"),
    ("JP", "JPN", "Japan"),
    ("KR", "KOR", "South Korea", "Korea", "Republic of Korea", "Korea, Republic of", "Südkorea", "Korea (South)"),
    ("IN", "IND", "India", "Indien"),
    ("ID", "IDN", "Indonesia", "Indonesien"),
    ("AU", "AUS", "Australia", "Australien"),
    ("NZ", "NZL", "New Zealand", "Neuseeland"),
    ("RU", "RUS", "Russia", "Russian Federation", "Russland", "Russische Föderation"),
    ("SA", "SAU", "Saudi Arabia", "Saudi-Arabien", "KSA"),
    ("ZA", "ZAF", "South Africa", "Südafrika"),
    ("TR", "TUR", "Turkey", "Türkiye", "Turkiye", "Türkei"),
    ("AE", "ARE", "United Arab Emirates", "UAE", "Vereinigte Arabische Emirate", "VAE", "Emirates"),
    ("IL", "ISR", "Israel"),
    ("SG", "SGP", "Singapore", "Singapur"),
    ("HK", "HKG", "Hong Kong", "Hongkong"),
    ("TW", "TWN", "Taiwan"),
    ("MY", "MYS", "Malaysia"),
    ("TH", "THA", "Thailand"),
    ("VN", "VNM", "Vietnam", "Viet Nam"),
    ("PH", "PHL", "Philippines", "Philippinen"),
    ("PK", "PAK", "Pakistan"),
    ("BD", "BGD", "Bangladesh", "Bangladesch"),
    ("LK", "LKA", "Sri Lanka"),
    ("EG", "EGY", "Egypt", "Ägypten"),
    ("MA", "MAR", "Morocco", "Marokko"),
    ("TN", "TUN", "Tunisia", "Tunesien"),
    ("DZ", "DZA", "Algeria", "Algerien"),
    ("NG", "NGA", "Nigeria"),
    ("KE", "KEN", "Kenya", "Kenia"),
    ("GH", "GHA", "Ghana"),
    ("ET", "ETH", "Ethiopia", "Äthiopien"),
    ("QA", "QAT", "Qatar", "Katar"),
    ("KW", "KWT", "Kuwait"),
    ("BH", "BHR", "Bahrain"),
    ("OM", "OMN", "Oman"),
    ("JO", "JOR", "Jordan", "Jordanien"),
    ("LB", "LBN", "Lebanon", "Libanon"),
    ("IR", "IRN", "Iran"),
    ("IQ", "IRQ", "Iraq", "Irak"),
    # rest of Europe
    ("UA", "UKR", "Ukraine"),
    ("BY", "BLR", "Belarus", "Weißrussland", "Weissrussland"),
    ("MD", "MDA", "Moldova", "Moldau", "Republik Moldau"),
    ("RS", "SRB", "Serbia", "Serbien"),
    ("BA", "BIH", "Bosnia and Herzegovina", "Bosnien und Herzegowina", "Bosnia", "Bosnien"),
    ("ME", "MNE", "Montenegro"),
    ("MK", "MKD", "North Macedonia", "Nordmazedonien", "Macedonia", "Mazedonien"),
    ("AL", "ALB", "Albania", "Albanien"),
    ("XK", "XKX", "Kosovo"),
    ("GE", "GEO", "Georgia", "Georgien"),
    ("AM", "ARM", "Armenia", "Armenien"),
    ("AZ", "AZE", "Azerbaijan", "Aserbaidschan"),
    ("KZ", "KAZ", "Kazakhstan", "Kasachstan"),
    ("MC", "MCO", "Monaco"),
    ("AD", "AND", "Andorra"),
    ("SM", "SMR", "San Marino"),
    ("VA", "VAT", "Vatican City", "Vatikanstadt", "Holy See"),
    ("GI", "GIB", "Gibraltar"),
    ("IM", "IMN", "Isle of Man"),
    ("JE", "JEY", "Jersey"),
    ("GG", "GGY", "Guernsey"),
    ("FO", "FRO", "Faroe Islands", "Färöer"),
    ("GL", "GRL", "Greenland", "Grönland"),
)


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def normalise_country(text: str) -> str:
    """'  Österreich ' -> 'oesterreich'; 'U.S.A.' -> 'usa'; 'Korea, Republic of' -> 'korea republic of'."""
    text = text.strip().lower().translate(_UMLAUTS)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = text.replace(".", "").replace("'", "").replace("’", "")
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def _build() -> dict[str, str]:
    table: dict[str, str] = {normalise_country(code): code for code in ISO_ALPHA2}
    table["xk"] = "XK"  # Kosovo: user-assigned code in wide use
    for code, *names in _NAMES:
        for name in names:
            table[normalise_country(name)] = code
    return table


COUNTRY_CODES: dict[str, str] = _build()
