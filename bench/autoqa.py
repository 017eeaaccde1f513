"""Auto-QA: conversations inspected per second on generated demo-like Chinese chats.

    uv run python bench/autoqa.py [--conversations 50000] [--messages 20] [--seed 0]

Each conversation is about `--messages` messages long, in the demo shops' words (悦家家居,
轻语美妆, 极客数码): a customer's question, the agent's answers, the customer's follow-ups and
thanks. A seeded share of conversations carries planted defects (a missing greeting, a whole
phone number, a forbidden word or promise, a slow reply, an angry customer left without empathy,
an unanswered last question); every other conversation is written to pass every check.

It checks as well as times: the set of check ids found must equal the set planted, for every
conversation; any mismatch exits 1. Conversations are generated one at a time and dropped after
inspection, so memory stays flat. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from kefu.quality.autoqa import (  # noqa: E402  (imports no Django)
    Author,
    Conversation,
    Direction,
    Message,
    Rules,
    Sla,
    inspect_conversation,
)

SHOPS = (
    ("悦家家居", "悦家", ("床到了，什么时候有师傅上门安装？", "柜门有划痕，我要换货", "沙发三人位多长？")),
    ("轻语美妆", "轻语", ("黄皮适合哪个色号的口红？", "快递显示签收了但我没收到", "现在买送小样吗？")),
    ("极客数码", "极客", ("耳机左耳没声音了，还在保修期吗", "充电器能给笔记本充吗？", "能开增值税专票吗")),
)  # fmt: skip
AGENTS = ("小美", "小雨", "阿杰", "小林", "晓晨")
ANSWERS = (
    "亲，已为您登记，请您稍等片刻",
    "好的，请您提供一下订单号，我帮您查询",
    "已经帮您联系仓库核实了，请您放心",
    "这边查到物流在路上了，请您耐心等待",
    "您的情况我已经记录，售后专员会联系您",
)
FOLLOW_UPS = ("订单号是261205123456789", "好的", "明白了", "那我等一下", "收到了")
START = dt.datetime(2026, 12, 5, 10, 0, tzinfo=dt.UTC)
SLA = Sla(first_response_s=60, next_response_s=120)
DEFECTS = (
    "greeting_missing", "pii_exposed", "forbidden_word", "forbidden_promise", "slow_response",
    "empathy_missing", "question_unanswered",
)  # fmt: skip


def generate(rng: random.Random, n_messages: int) -> tuple[Conversation, set[str]]:
    shop, alias, questions = rng.choice(SHOPS)
    agent = rng.choice(AGENTS)
    planted = {d for d in DEFECTS if rng.random() < 0.08}
    at = START + dt.timedelta(seconds=rng.randrange(86400))
    messages: list[Message] = []

    def add(direction: Direction, author: Author, text: str, after: int) -> None:
        nonlocal at
        at += dt.timedelta(seconds=after)
        messages.append(Message(direction, author, text, at))

    add(Direction.IN, Author.CUSTOMER, rng.choice(questions), 0)
    greeting = f"您好，欢迎光临{shop}，我是客服{agent}"
    if "greeting_missing" in planted:
        greeting = "这边帮您看一下订单"
    add(Direction.OUT, Author.AGENT, greeting, rng.randint(5, 50))
    middle = max(0, n_messages - 3)
    slow_at = rng.randrange(middle // 2 + 1) if "slow_response" in planted else -1
    for turn in range(middle // 2):
        add(Direction.IN, Author.CUSTOMER, rng.choice(FOLLOW_UPS), rng.randint(10, 90))
        text = rng.choice(ANSWERS)
        if turn == 0 and "pii_exposed" in planted:
            text += f"，收货电话1{rng.choice('3589')}{rng.randrange(10**9):09d}"
        if turn == 0 and "forbidden_word" in planted:
            text = "你自己看物流吧，" + text
        if turn == 0 and "forbidden_promise" in planted:
            text += "，我保证明天一定到"
        add(Direction.OUT, Author.AGENT, text, 130 if turn == slow_at else rng.randint(5, 100))
    if "slow_response" in planted and slow_at >= middle // 2:
        add(Direction.IN, Author.CUSTOMER, "还在吗", 20)
        add(Direction.OUT, Author.AGENT, "在的，请您稍等", 150)
    if "empathy_missing" in planted:
        add(Direction.IN, Author.CUSTOMER, "太慢了，很不满意", 30)
        add(Direction.OUT, Author.AGENT, "仓库那边在安排了", 30)
    add(Direction.IN, Author.CUSTOMER, "好的，谢谢", rng.randint(10, 60))
    add(Direction.OUT, Author.AGENT, "还有其他可以帮您的吗？祝您生活愉快~", rng.randint(5, 30))
    if "question_unanswered" in planted:
        add(Direction.IN, Author.CUSTOMER, "对了，发票什么时候能开？", 20)
    rules = Rules(shop_aliases=(alias,), forbidden_words=("加微信",), forbidden_promises=("包退包换",))
    return Conversation(tuple(messages), shop, agent, rules, SLA), planted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=50_000)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    inspect_conversation(generate(random.Random(-1), args.messages)[0])  # lexicons loaded once, before timing
    mismatches: list[str] = []
    found: Counter[str] = Counter()
    messages = 0
    inspect_s = 0.0
    started = time.perf_counter()
    for index in range(args.conversations):
        conversation, planted = generate(rng, args.messages)
        messages += len(conversation.messages)
        t = time.perf_counter()
        result = inspect_conversation(conversation)
        inspect_s += time.perf_counter() - t
        checks = {f.check for f in result.findings}
        found.update(checks)
        if checks != planted and len(mismatches) < 10:
            mismatches.append(f"#{index}: planted {sorted(planted)} found {sorted(checks)}")
        elif checks != planted:
            mismatches.append("")
        if not 0 <= result.score <= 100:
            mismatches.append(f"#{index}: score {result.score}")
    wall = time.perf_counter() - started
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    per_s = args.conversations / inspect_s if inspect_s else 0.0
    print(f"conversations: {args.conversations:,} ({messages / args.conversations:.1f} messages each)")
    print(f"inspection: {inspect_s:.1f} s → {per_s:,.0f} conversations/s (generation included: {wall:.1f} s)")
    print(f"a 50,000-conversation day: {50_000 / per_s:.0f} s of inspection" if per_s else "")
    print("findings by check: " + ", ".join(f"{k} {v}" for k, v in sorted(found.items())))
    print(f"peak RSS: {peak_rss_mb:.0f} MB")
    for line in [m for m in mismatches if m][:10]:
        print("MISMATCH " + line)
    print(
        json.dumps(
            {
                "conversations": args.conversations,
                "messages_per_conversation": round(messages / args.conversations, 1),
                "seconds": round(inspect_s, 2),
                "wall_seconds": round(wall, 2),
                "conversations_per_s": round(per_s, 1),
                "peak_rss_mb": round(peak_rss_mb, 1),
                "mismatches": len(mismatches),
                "correct": not mismatches,
            }
        )
    )
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
