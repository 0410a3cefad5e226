"""Reports printed in traditional characters: many government sites offer a 繁體 view of every
page, and a crawler that saved that view saved 第二十條 / 信息內容 / 本年處理決定數量.  The template's
words are matched in simplified characters, so such a text is folded to them before it is read.

Only characters that simplified Chinese never prints are in the table (內, not 内; 與, not 与), so
folding cannot change a simplified text; numbers are not touched.  The table covers the words of
the template, its section headings and the words around an agency's name, not the whole script."""

from __future__ import annotations

_PAIRS = (
    "與与 數数 項项 開开 請请 義义 關关 權权 護护 類类 內内 組组 織织 構构 計计 總总 維维 糾纠 審审 經经 議议 訟讼 "
    "規规 費费 條条 無无 機机 實实 為为 業业 會会 發发 門门 穩稳 屬属 國国 獲获 繼继 續续 辦办 問问 題题 況况 進进 "
    "該该 說说 編编 單单 獨独 網网 區区 認认 達达 報报 復复 試试 過过 應应 處处 轉转 結结 務务 執执 詢询 確确 補补 "
    "現现 訪访 舉举 險险 級级 體体 動动 號号 統统 時时 間间 產产 廢废 決决 許许 罰罚 強强 單单 採采 購购 額额 萬万 "
    "歸归 區区 縣县 鄉乡 鎮镇 廳厅 員员 衛卫 聯联 稅税 務务 環环 資资 訊讯 價价 錄录 檔档 據据 於于 係系 勾勾 "
    "還还 衝冲 職职 責责 負负 參参 與与 導导 領领 屆届 黨党 庫库 圖图 書书 龍龙 廣广 東东 陝陕 豐丰 寧宁 "
    "遼辽 雲云 貴贵 蘇苏 鄭郑 灣湾 漢汉 陽阳 慶庆 濟济 專专 詳详 細细 點点 嚴严 讀读 據据 稱称 樣样 錯错 "
    "證证 標标 準准 態态 務务 億亿 個个 園园 區区 級级 紀纪 檢检 監监 督督 鑒鉴 輿舆 熱热 線线 覆覆 聞闻 "
    "傳传 視视 頻频 臺台 這这 們们 從从 將将 對对 來来 當当 並并 兩两 後后 裡里 則则 種种 優优 質质 "
    "歷历 範范 違违 礙碍 屆届 戶户 邊边 協协 調调 論论 見见 觀观 據据 試试 備备 醫医 療疗 藥药 學学 "
    "農农 電电 氣气 災灾 錢钱 財财 徵征 銷销 齊齐 劃划 擴扩 豐丰 壓压 衛卫 歲岁 婦妇 兒儿 養养 親亲 愛爱 "
    "週周 號号 筆笔 張张 條条 頁页 聲声 響响 劑剂 額额 雜杂 極极 順顺 讓让 設设 營营 銀银 隊队 險险 "
    "場场 廠厂 車车 鐵铁 綜综 測测 湯汤 碼码 驗验 斷断 競竞 選选 舉举 圍围 幾几 構构 態态 態态 導导 級级 勢势 員员 區区 積积 極极 議议"
)
_MAP = {p[0]: p[1] for p in _PAIRS.split() if len(p) == 2 and p[0] != p[1]}
_TABLE = str.maketrans(_MAP)
# the template's own words in traditional script: a text printing several of them is a 繁體 view
_MARKERS = ("條", "項", "數", "內", "請", "開", "處", "總", "況", "復", "訟", "與", "規", "費")


def is_traditional(text: str, min_marks: int = 30) -> bool:
    head = text[:50000]
    return sum(head.count(c) for c in _MARKERS) >= min_marks


def fold_traditional(text: str) -> tuple[str, bool]:
    """``text`` in simplified characters, and whether it was folded (a 繁體 text only)."""
    if not is_traditional(text):
        return text, False
    return text.translate(_TABLE), True
