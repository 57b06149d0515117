"""Held-out cases for issue 10, written for this file (never corpus text): one row per case,
each naming the class of real-news trouble it stands for. They were written before the
rules that pass them, so the first run measured the code as it was (docs/matching.md gives
the before and after).

Second round (1 December 2026): 35 relevance and 11 origin rows, again written before
reading the rules; before, 29 of 35 and 10 of 11 held (the misses: Korea named only as the
peninsula, "fled to South Korean waters", "taken under protection", a passive crossing of
an estuary, "disappeared from his embassy ... is in Seoul", 건너와 with 신병 확보; "briefed
by the spy agency"); after, all. The "guard" rows were written after reading the rules, for
what the new claim families must not take. Round 2b was written after reading the rules
(19 of 22 before its fixes, 21 of 22 after; one strict xfail, a page that never names Korea).
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from monitor.config.watchlist import WatchlistConfig
from monitor.match import Matcher, compile_watchlists
from monitor.stories.origins import extract_origins
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    path = ROOT / "config" / "watchlists" / "nk-defections.yaml"
    wl = WatchlistConfig.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    return compile_watchlists([wl])


# (class, title, body, hit?)
RELEVANCE: list[Any] = [  # tuples, and pytest.param for a known failure
    (
        "weak words, subject in the sentence before",
        "Soldier detained at the frontier",
        "A North Korean soldier walked across the military demarcation line in the central "
        "sector before dawn on Friday. Troops took him into custody after he crossed, the "
        "military said.",
        True,
    ),
    (
        "weak words, subject in the sentence before",
        "Fishing boat found off the east coast",
        "Two North Koreans were spotted on a small wooden boat near Sokcho on Monday. The navy "
        "escorted them to port and took them into custody after they fled toward the coast.",
        True,
    ),
    (
        "weak words, an unrelated subject before (no claim)",
        "Bank robbers caught after a chase",
        "Pyongyang test-fired two cruise missiles on Sunday, its state media said. In Busan, "
        "police took a man into custody after he fled a bank with cash.",
        False,
    ),
    (
        "defectors as actors: leaflet launches",
        "Activists float balloons across the border",
        "Defectors in Seoul launched 20 large balloons carrying anti-Pyongyang leaflets and "
        "dollar bills toward North Korea overnight, the group said.",
        False,
    ),
    (
        "defectors as actors: an NGO's campaign",
        "Campaign urges China to halt forced returns",
        "A defector-led NGO began a petition drive on Tuesday urging Beijing to stop sending "
        "North Koreans caught in China back across the border.",
        False,
    ),
    (
        "defectors as sources: a survey",
        "Most North Koreans now own a mobile phone, poll suggests",
        "A poll of 350 North Korean defectors who left after 2018 found that seven in ten "
        "households had a mobile phone.",
        False,
    ),
    (
        "defectors as sources: an outlet's network",
        "Rice prices jump in Hyesan",
        "Rice prices in the North Korean city of Hyesan rose by a third in a month, according "
        "to an outlet that relies on a network of defectors with contacts inside the country.",
        False,
    ),
    (
        "defectors as sources: testimony at the UN",
        "UN council hears of forced labour",
        "Three North Korean defectors testified at a UN Security Council meeting on Thursday "
        "about forced labour in logging camps in Russia.",
        False,
    ),
    (
        "defection to the North by others",
        "Soldier who crossed into the North identified",
        "The US private who dashed across the demarcation line into North Korea during a "
        "tour of the truce village last week had been facing disciplinary action.",
        False,
    ),
    (
        "negation of the claim",
        "Crew sent home after rescue at sea",
        "South Korea returned five North Korean sailors rescued from a drifting boat; none of "
        "the crew had expressed any wish to defect, officials said.",
        False,
    ),
    (
        "'the South' with the North named in the headline only",
        "North Korean diplomat in Africa flees with family",
        "The envoy, posted to an embassy in West Africa, left his post in May and asked to be "
        "taken to the South, a lawmaker said on Wednesday.",
        True,
    ),
    (
        "Korean that avoids 탈북",
        "北 주민 2명 목선 타고 동해 넘어와…당국 신병 확보",
        "북한 주민 2명이 소형 목선을 타고 동해 북방한계선을 넘어와 군 당국이 신병을 확보했다. "
        "이들은 남한에 정착하고 싶다는 뜻을 밝힌 것으로 전해졌다.",
        True,
    ),
    (
        "Korean: a foreign subject, no 북한",
        "러시아 군인 1명 국경 넘어 망명 신청",
        "러시아 군인 1명이 국경을 넘어 이웃 나라에 망명을 신청했다고 현지 언론이 보도했다.",
        False,
    ),
    (
        "a plain report that never says 'defect'",
        "Former North Korean trade official now living in Seoul",
        "A former North Korean trade official who ran a company in Dalian escaped with his "
        "wife last year and is now living in Seoul, officials said.",
        True,
    ),
    (
        "a follow-up months later, named by the person",
        "Envoy who vanished in Rome surfaces in Seoul",
        "Jo Song-gil, the acting ambassador who disappeared from his post in Italy last year, "
        "has been living in South Korea since July, a lawmaker said.",
        True,
    ),
    (
        "a copy under a photo caption and a trailer",
        "Border guard defects, reports say",
        "In this photo provided by the Defense Ministry, a guard post stands in the DMZ. "
        "(Yonhap via AP)\n\nSEOUL (AP) - A North Korean soldier defected to South Korea across "
        "the central section of the border on Saturday, the military said.\n\nCopyright 2024 "
        "The Associated Press. All rights reserved.",
        True,
    ),
    # --- session 18: held-out cases written before reading the rules (classes 2 and 3) ---
    (
        "defectors as sources: according to interviews",
        "Public executions rose during the pandemic, report says",
        "Public executions for watching foreign films increased after 2020, according to "
        "defectors interviewed by a Seoul-based research institute for its annual report.",
        False,
    ),
    (
        "defectors as sources: testimony from escapees",
        "Report details abuse in detention centres",
        "Testimony from more than 500 escapees describes beatings and forced labour in "
        "pre-trial detention facilities across North Korea, the rights group said.",
        False,
    ),
    (
        "defectors as sources: a defector-run radio station",
        "Smuggled K-pop draws harsher sentences in Pyongyang",
        "A defector-run radio station reported that three teenagers in North Korea were sent "
        "to a labour camp for sharing South Korean dramas on USB sticks.",
        False,
    ),
    (
        "defectors as sources: market prices via defector contacts",
        "Corn prices double near the Chinese border",
        "Corn now sells for twice last year's price in North Hamgyong province, said "
        "defectors who keep in touch with relatives there by smuggled phones.",
        False,
    ),
    (
        "defection to the North by an American",
        "Army private who fled into North Korea to be sent home",
        "An American soldier who sprinted across the border into North Korea during a guided "
        "tour last month will be expelled, Pyongyang's state news agency said.",
        False,
    ),
    (
        "a South Korean trying to go north",
        "Ex-official suspected of plotting to flee north",
        "Police arrested a former South Korean civil servant who allegedly tried to defect to "
        "North Korea by crossing the Han river estuary on a rubber raft.",
        False,
    ),
    (
        "a South Korean who went north",
        "Man who swam north was a former athlete",
        "The South Korean man who crossed the border into the North on New Year's Day was a "
        "former gymnast who had resettled in the South, officials said.",
        False,
    ),
    (
        "negation: no intention of defecting",
        "Fishermen rescued at sea to be repatriated",
        "Seoul will send back two North Korean fishermen found adrift in the East Sea because "
        "they showed no intention of defecting, the unification ministry said.",
        False,
    ),
    (
        "negation: denied he wanted to defect",
        "North Korean athlete leaves training camp briefly",
        "A North Korean weightlifter who went missing from his team's hotel for a day denied "
        "he wanted to defect and flew home with his teammates.",
        False,
    ),
    (
        "negation: no plans to seek asylum",
        "North Korean sailors receive medical care in port",
        "The North Korean sailors treated in Busan after their freighter caught fire had no "
        "plans to seek asylum and wished to return home, officials said.",
        False,
    ),
    (
        "non-Korean defector: a Russian pilot",
        "Russian helicopter pilot defects to Ukraine",
        "A Russian pilot flew his helicopter across the front line and defected to Ukraine, "
        "Kyiv's military intelligence said, in an operation it planned for months.",
        False,
    ),
    (
        "non-Korean defector: a Chinese official",
        "Chinese diplomat seeks asylum in Australia",
        "A Chinese consular official in Sydney has sought political asylum in Australia, "
        "saying he feared persecution if he went back to Beijing.",
        False,
    ),
    (
        "non-Korean defector: a Cuban doctor",
        "Cuban doctors abandon medical mission in Brazil",
        "Dozens of Cuban doctors walked away from a state medical mission in Brazil and asked "
        "for asylum, saying Havana kept most of their pay.",
        False,
    ),
    (
        "non-Korean defector in Korean: a Russian pilot",
        "러시아 조종사, 헬기 몰고 우크라이나로 망명",
        "러시아 공군 조종사가 헬기를 몰고 전선을 넘어 우크라이나로 망명했다고 우크라이나 국방부 "
        "정보총국이 밝혔다.",
        False,
    ),
    (
        "non-Korean defector in Korean: a Chinese official",
        "중국 외교관, 호주에 정치적 망명 신청",
        "주시드니 중국 총영사관 소속 외교관이 호주 정부에 정치적 망명을 신청했다고 현지 언론이 "
        "전했다.",
        False,
    ),
    (
        "'the South' with North Korea named in another paragraph",
        "Seaman rescued off Ulleung Island",
        "A fisherman from North Korea was found clinging to a wrecked boat near Ulleung "
        "Island on Tuesday, the coast guard said.\n\nDuring questioning he expressed a "
        "desire to settle in the South, officials added.",
        True,
    ),
    (
        "'the North' as origin, Korea only in the headline",
        "Korean peninsula: soldier crosses frontier",
        "A soldier from the North walked across the frontier in heavy fog and asked to live "
        "in the South, the Joint Chiefs of Staff said.",
        True,
    ),
    (
        "fled to South Korean waters",
        "Wooden boat intercepted in the Yellow Sea",
        "Three North Koreans who fled to South Korean waters aboard a small wooden boat were "
        "taken in by the navy near Baengnyeong Island.",
        True,
    ),
    (
        "requested to be transferred to South Korea",
        "Woman held in Thailand asks for help",
        "A North Korean woman detained in Bangkok for illegal entry has requested to be "
        "transferred to South Korea, an activist said.",
        True,
    ),
    (
        "wants to be sent to Seoul",
        "Escapee in Laos pleads not to be returned",
        "The North Korean teenager, caught near the Laos border, begged the authorities to "
        "send him to Seoul rather than back to China, his lawyer said.",
        True,
    ),
    (
        "crossed the MDL alone, no other context",
        "Deer crosses the MDL, sets off alarm",
        "A deer crossed the MDL overnight and tripped a sensor, triggering a brief alert at "
        "a guard post, an army spokesman said.",
        False,
    ),
    (
        "crossed the MDL with a North Korean subject",
        "Private crosses the MDL",
        "A North Korean private crossed the MDL in the western sector early Monday and was "
        "taken under protection by South Korean troops.",
        True,
    ),
    (
        "Korean without 탈북: 귀순",
        "북한군 병사 1명 중부전선 귀순",
        "북한군 병사 1명이 중부전선 군사분계선을 넘어 귀순했다고 합동참모본부가 밝혔다.",
        True,
    ),
    (
        "Korean without 탈북: 망명 by a North Korean diplomat",
        "北 외교관 가족과 한국 망명",
        "동남아 주재 북한 외교관이 가족과 함께 한국으로 망명한 사실이 뒤늦게 확인됐다.",
        True,
    ),
    (
        "Korean without 탈북: 남측으로 넘어와",
        "北 어민 목선 타고 남측으로 넘어와",
        "북한 어민 3명이 목선을 타고 서해 북방한계선을 넘어 남측으로 넘어왔다고 군이 전했다.",
        True,
    ),
    (
        "a returning defector who goes back north",
        "Defector who resettled in South returns to North",
        "A North Korean defector who had lived in Seoul for three years slipped back across "
        "the border to the North last week, the military believes.",
        True,
    ),
    (
        "a known defector as the main subject",
        "Thae Yong-ho launches book tour",
        "Thae Yong-ho, the former North Korean deputy ambassador in London who defected in "
        "2016, began a tour of American universities on Monday to promote his memoir.",
        True,
    ),
    (
        "headline with glued words",
        "NorthKorean soldier defectsacross DMZ",
        "A soldier from North Korea defected across the demilitarised zone on Thursday, "
        "the military said.",
        True,
    ),
    (
        "British spelling",
        "Defector recognised in the centre of Seoul",
        "A North Korean who defected last autumn was recognised for his work as a "
        "programme organiser at a defence-industry labour centre, officials said.",
        True,
    ),
    (
        "passive voice: taken into custody after crossing",
        "Man detained at Gimpo peninsula",
        "A North Korean man was taken into custody after crossing the Han river estuary by "
        "swimming, South Korea's military said.",
        True,
    ),
    (
        "sought asylum at the South Korean embassy",
        "Worker at Mongolian site asks for protection",
        "A North Korean labourer sought asylum at the South Korean embassy in Ulaanbaatar "
        "after leaving a construction site, a diplomatic source said.",
        True,
    ),
    (
        "a diplomat disappeared, then is in Seoul",
        "Missing envoy turns up in South Korea",
        "A North Korean counsellor who disappeared from his embassy in Kuwait in 2019 is "
        "in Seoul and under the protection of the authorities, a lawmaker said.",
        True,
    ),
    (
        "Korean passive: 신병이 확보됐다",
        "북한 남성, 한강 하구 헤엄쳐 건너",
        "북한 남성 1명이 한강 하구를 헤엄쳐 건너와 우리 군에 신병이 확보됐다고 합참이 밝혔다.",
        True,
    ),
    (
        "negation in Korean: 귀순 의사 없어",
        "北 선원 2명 송환 예정",
        "동해에서 구조된 북한 선원 2명은 귀순 의사를 밝히지 않아 북측으로 송환될 예정이라고 "
        "통일부가 밝혔다.",
        False,
    ),
    (
        "defectors as sources in Korean: 증언",
        "북한 공개처형 늘어…탈북민 증언",
        "탈북민 500여 명의 증언에 따르면 북한에서 한국 드라마를 본 주민에 대한 공개처형이 "
        "늘어난 것으로 나타났다.",
        False,
    ),
    # --- session 18: guards for the rules added after the run above (written after reading
    # the rules): what the new claim families must not take ---
    (
        "guard: a North Korean machine, not a person, moves south",
        "Drones cross into the South",
        "Five North Korean drones flew into South Korean territory on Monday and one reached "
        "the skies over Seoul before turning back, the military said.",
        False,
    ),
    (
        "guard: officials in Seoul for talks",
        "Delegation arrives for Red Cross talks",
        "Three North Korean officials are in Seoul for talks on family reunions, the "
        "unification ministry said.",
        False,
    ),
    (
        "guard: a foreign diplomat leaves his post in Pyongyang",
        "Embassy staffer missing in Pyongyang",
        "A Russian diplomat vanished from his embassy in Pyongyang last week, and Moscow "
        "has asked the authorities there for help finding him.",
        False,
    ),
    (
        "guard: Korean, soldiers cross and go back",
        "北 군인 10여명 군사분계선 넘어와…경고사격에 북상",
        "북한군 10여 명이 작업 중 군사분계선을 넘어왔다가 우리 군의 경고사격을 받고 북상했다고 "
        "합참이 밝혔다.",
        False,
    ),
    # --- session 18, round 2b: written AFTER reading the rules (a harder batch of classes 2 and
    # 3; before the refusal, REACH and SOUTH_OF rules 19 of 22 held, after 21 of 22, one a known
    # failure; the last five rows are guards for those rules)
    (
        "round 2b: a defector who speaks only as a source",
        "Food prices soar in North Korea",
        "Kim Min-ji, who fled the North in 2015, said rice now costs three times as much "
        "in her home town of Hyesan.",
        False,
    ),
    (
        "round 2b: defectors as sources: what escapees told investigators",
        "Prison camp expanded, satellite images show",
        "Based on what former inmates who escaped told investigators, the camp near "
        "Kaechon in North Korea has grown, the report said.",
        False,
    ),
    (
        "round 2b: defectors as sources: escapees' accounts",
        "Hunger returns to North Korean countryside",
        "North Korean escapees' accounts collected by the ministry describe farm families "
        "eating grass.",
        False,
    ),
    (
        "round 2b: defectors as sources: a film built on interviews",
        "Film on North Korean gulag wins award",
        "The documentary, built on interviews with defectors, won the top prize at a "
        "festival in Geneva.",
        False,
    ),
    (
        "round 2b: a South Korean who went north",
        "Man who went north appears on state TV",
        "A South Korean man who fled to North Korea in 2010 appeared on Pyongyang's state "
        "television to denounce Seoul.",
        False,
    ),
    (
        "round 2b: an American who wants to stay in the North",
        "Private seeks refuge in North Korea",
        "The American private said he wanted to stay in North Korea, Pyongyang's state "
        "media claimed.",
        False,
    ),
    (
        "round 2b: negation: refused to defect",
        "Crew repatriated",
        "The two North Korean fishermen refused to defect and were sent back across the "
        "sea border on Friday.",
        False,
    ),
    (
        "round 2b: negation: wished to go home",
        "Sailors sent home",
        "All six North Korean sailors said they wished to go home and were returned at Panmunjom.",
        False,
    ),
    (
        "round 2b: non-Korean defectors: Venezuelan soldiers",
        "Venezuelan soldiers defect to Colombia",
        "Three Venezuelan soldiers crossed the border and defected to Colombia, asking for asylum.",
        False,
    ),
    (
        "round 2b: non-Korean defector in Korean: a Chinese sailor",
        "중국인 선원 한국 망명 신청",
        "중국인 선원 1명이 인천항에서 한국 정부에 망명을 신청했다.",
        False,
    ),
    pytest.param(
        "round 2b: 'the North' and 'the South' with Korea never named",
        "Soldier crosses frontier in fog",
        "A soldier crossed the heavily guarded frontier in thick fog on Tuesday and was "
        "taken into custody.\n\nHe told investigators he had wanted to flee the North for "
        "years and hoped to start a new life in the South.",
        True,
        marks=pytest.mark.xfail(
            strict=True,
            reason="Korea never named: 'the North' and 'the South' alone also describe Sudan, "
            "Cyprus or Yemen (docs/matching.md, known limits)",
        ),
    ),
    (
        "round 2b: pleaded to be allowed to go to South Korea",
        "Woman in Chinese detention",
        "A North Korean woman held in Shenyang has pleaded to be allowed to go to South "
        "Korea, activists said.",
        True,
    ),
    (
        "round 2b: Korean without 탈북: 한국행 희망",
        "北 주민 제3국서 한국행 희망",
        "제3국에 체류 중인 북한 주민 5명이 한국행을 희망하고 있다고 정부 소식통이 전했다.",
        True,
    ),
    (
        "round 2b: Korean without 탈북: 귀순 의사를 밝혀",
        "北 어선 선원 귀순 의사",
        "동해상에서 발견된 북한 어선의 선원 2명이 귀순 의사를 밝혔다고 해경이 전했다.",
        True,
    ),
    (
        "round 2b: a defector who went back north",
        "Defector who went back appears on Pyongyang TV",
        "A woman who had defected to the South in 2014 reappeared on North Korean state "
        "television after returning to the North.",
        True,
    ),
    (
        "round 2b: a known defector as the main subject",
        "Park Yeon-mi to run for office",
        "Park Yeon-mi, the activist who escaped North Korea as a teenager, announced a "
        "run for a local council seat.",
        True,
    ),
    (
        "round 2b: glued words in the body",
        "N.Korean envoy defects",
        "ANorth Korean envoy in Europe has defectedto the South with his family, lawmakers said.",
        True,
    ),
    (
        "round 2b: reached Seoul via a third country",
        "Worker in Russia defects",
        "A North Korean logging worker in Russia's Far East escaped and reached Seoul via "
        "a third country, the ministry said.",
        True,
    ),
    (
        "round 2b: asylum at the South Korean embassy",
        "Asylum bid in Hanoi",
        "Two North Korean students walked into the South Korean embassy in Hanoi and "
        "asked for asylum.",
        True,
    ),
    (
        "round 2b: swam to reach a South Korean island (a possessive place)",
        "Man swims to South Korea",
        "A North Korean man swam for six hours to reach South Korea's Gyodong island, the "
        "military said.",
        True,
    ),
    (
        "round 2b: jumped ship and asked to be sent to South Korea",
        "Sailor jumps ship",
        "A North Korean sailor jumped off a cargo ship in a Japanese port and asked to be "
        "sent to South Korea.",
        True,
    ),
    (
        "round 2b: a diplomat confirmed as arrived in the South",
        "Defecting diplomat confirmed",
        "The unification ministry confirmed that a North Korean diplomat posted in Cuba "
        "had arrived in the South.",
        True,
    ),
    (
        "round 2b: guard: declined to seek asylum (the person refuses)",
        "Crew sent home",
        "The North Korean crew declined to seek asylum and were sent back on Friday, the "
        "ministry said.",
        False,
    ),
    (
        "round 2b: guard: a state declined to grant asylum (a North Korean's case: news)",
        "Thailand rejects plea",
        "Thailand declined to grant asylum to a North Korean woman held in Bangkok, "
        "activists said.",
        True,
    ),
    (
        "round 2b: guard: a bare possessive ('South Korea's aid') moves nobody",
        "Allies at the DMZ",
        "A North Korean soldier's defection last year prompted the United States to rush "
        "to South Korea's aid with new drones.",
        True,
    ),
    (
        "round 2b: guard: 'came to South Korea's aid' is no move",
        "Korean War anniversary",
        "US troops came to South Korea's aid in 1950 after North Korea invaded.",
        False,
    ),
    (
        "round 2b: guard: missiles that could reach a South Korean coast",
        "Missile range",
        "North Korean missiles could fly far enough to reach South Korea's southern coast "
        "within minutes, analysts said.",
        False,
    ),
]


@pytest.mark.parametrize(
    ("kind", "title", "body", "hit"), RELEVANCE, ids=[f"{i:02d}" for i in range(len(RELEVANCE))]
)
def test_relevance_held_out(matcher: Matcher, kind: str, title: str, body: str, hit: bool) -> None:
    report = matcher.match(title, body)
    assert report.hit is hit, (kind, [m.to_json() for m in report.misses])


# (class, text, own outlet, origins)
ORIGINS: list[tuple[str, str, str, list[str]]] = [
    (
        "a relay dateline",
        "Seoul, Aug 3 (AFP) A North Korean man crossed the border on Saturday, the military said.",
        "The Sun Daily",
        ["AFP"],
    ),
    (
        "a dateline after a caption",
        "A watchtower at the border. (Photo: Reuters)\n\nSEOUL (Reuters) - A North Korean "
        "soldier crossed the border on Sunday.",
        "Gulf Times",
        ["Reuters"],
    ),
    (
        "a refusal to confirm is no credit",
        "A North Korean diplomat has defected, the JoongAng Ilbo reported. The National "
        "Intelligence Service would not confirm the report.",
        "NK Chronicle",
        ["JoongAng Ilbo"],
    ),
    (
        "'Source:' line",
        "A North Korean soldier crossed the border on Monday.\n\nSource: Yonhap, a South "
        "Korean news agency",
        "World Daily",
        ["Yonhap"],
    ),
    # --- session 18: held-out origins cases written before reading the rules ---
    (
        "'Source:' line with a Japanese outlet",
        "A North Korean family reached Japan by boat, officials said.\n\nSource: Kyodo",
        "Asia Wire Digest",
        ["Kyodo"],
    ),
    (
        "X, which first reported",
        "A North Korean diplomat in Cuba defected last year, according to the Sankei "
        "Shimbun, which first reported the case on Tuesday.",
        "Pacific Ledger",
        ["Sankei Shimbun"],
    ),
    (
        "lawmakers briefed by the spy agency",
        "A North Korean official in Europe has defected, lawmakers briefed by the spy "
        "agency said on Thursday.",
        "Metro Herald",
        ["National Intelligence Service"],
    ),
    (
        "the NIS declined to confirm (no credit)",
        "A North Korean soldier may have defected, the Dong-A Ilbo reported. The NIS "
        "declined to confirm the report.",
        "Global Post Online",
        ["Dong-A Ilbo"],
    ),
    (
        "NHK reported",
        "A wooden boat carrying North Koreans washed ashore in Ishikawa, NHK reported.",
        "Island Times",
        ["NHK"],
    ),
    (
        "the Yomiuri Shimbun said",
        "Eight North Koreans on a boat sought protection in Japan, the Yomiuri Shimbun said.",
        "Harbour Daily",
        ["Yomiuri Shimbun"],
    ),
    (
        "Radio Free Asia reported",
        "Five North Koreans were arrested in China, Radio Free Asia reported on Monday.",
        "City Gazette",
        ["Radio Free Asia"],
    ),
    (
        "told Voice of America",
        "A North Korean escapee in Thailand told Voice of America she feared being sent "
        "back, the broadcaster reported.",
        "Valley Star",
        ["Voice of America"],
    ),
    (
        "Daily NK, citing a source",
        "A North Korean guard defected to China, Daily NK reported, citing a source in "
        "the province.",
        "East Mail",
        ["Daily NK"],
    ),
    (
        "according to NK News",
        "A North Korean trade worker left his post in Vladivostok, according to NK News.",
        "North Star Times",
        ["NK News"],
    ),
    (
        "relay dateline with Kyodo",
        "Tokyo, Mar 2 (Kyodo) A North Korean man was found on a beach in Niigata.",
        "Daily Express Online",
        ["Kyodo"],
    ),
    (
        "guard: another state's spy agency is no NIS",
        "A North Korean worker fled a logging camp, Russia's spy agency said.",
        "Far East Courier",
        [],
    ),
    (
        "guard: the spy agency declined to comment (no credit)",
        "A North Korean diplomat has defected, the Chosun Ilbo reported. The spy agency "
        "declined to comment.",
        "Harbour Daily",
        ["Chosun Ilbo"],
    ),
]


@pytest.mark.parametrize(
    ("kind", "text", "own", "origins"), ORIGINS, ids=[f"{i:02d}" for i in range(len(ORIGINS))]
)
def test_origins_held_out(kind: str, text: str, own: str, origins: list[str]) -> None:
    assert extract_origins(text, own_outlet=own) == origins, kind
