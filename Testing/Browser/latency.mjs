// Input-to-frame latency as the viewer page sees it: for each of `drags` small drags, the time
// from the page sending the move (stats.lastInputAt) to the first frame after it arriving
// (stats.frameTimes) and being decoded, ready to draw (stats.shownTimes). Shared by the browser
// test (logged) and the bench (JPEG against H.264).
const sleep = ms => new Promise(r => setTimeout(r, ms));

export async function inputToFrameLatency(page, { drags = 50, x, y }) {
  const arrived = [], shown = [];
  for (let i = 0; i < drags; i++) {
    await page.mouse.move(x, y);
    await page.mouse.down();
    await sleep(30);
    // The move leaves the page on the next animation frame; its send time is stats.lastInputAt.
    const before = await page.evaluate(() => window.renderStream.stats.lastInputAt);
    await page.mouse.move(x + (i % 2 ? -6 : 6), y + 2);
    const ms = await page.evaluate(async since => {
      const s = window.renderStream.stats;
      const t0 = Date.now();
      while (s.lastInputAt === since && Date.now() - t0 < 2000) await new Promise(r => setTimeout(r, 2));
      const sent = s.lastInputAt;
      let arrival;
      while (Date.now() - t0 < 3000) {
        arrival = arrival ?? s.frameTimes.find(f => f > sent);
        const drawn = s.shownTimes.find(f => f > sent);
        if (arrival !== undefined && drawn !== undefined) return [arrival - sent, drawn - sent];
        await new Promise(r => setTimeout(r, 1));
      }
      return arrival === undefined ? null : [arrival - sent, null]; // arrived, not shown (a newer one won)
    }, before);
    await page.mouse.up();
    if (ms !== null) arrived.push(ms[0]);
    if (ms !== null && ms[1] !== null) shown.push(ms[1]);
    await sleep(20);
  }
  return { arrived: summary(arrived), shown: summary(shown), samples: arrived.length, shownSamples: shown.length };
}

function summary(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const pct = p => sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : NaN;
  return { p50: pct(0.5), p95: pct(0.95), min: sorted[0], max: sorted.at(-1) };
}
