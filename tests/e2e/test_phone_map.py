"""The public map on a phone (issue 9, item 8): at 390 px the whole province fits, from
湛江 in the west to 潮州 in the east, none of it cropped."""

import pytest

from .conftest import wait_until, watched

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EXTREMES = """() => {
  const holder = document.getElementById('base-map');
  const chart = echarts.getInstanceByDom(holder);
  const outline = echarts.getMap('guangdong-schematic').geoJSON.features[0].geometry.coordinates[0];
  const xs = [], ys = [];
  for (const point of outline) {
    const [x, y] = chart.convertToPixel({geoIndex: 0}, point);
    xs.push(x); ys.push(y);
  }
  return {width: holder.clientWidth, height: holder.clientHeight,
          left: Math.min(...xs), right: Math.max(...xs), top: Math.min(...ys), bottom: Math.max(...ys)};
}"""


@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}, {"width": 1366, "height": 800}])
def test_the_whole_province_fits_on_a_phone_and_a_desktop(browser, live_server, db, viewport, tmp_path):
    context = browser.new_context(locale="zh-CN", base_url=live_server.url, viewport=viewport)
    page, refused = watched(context)
    page.goto("/incubation/map/")
    wait_until(
        page,
        "document.querySelector('#base-map canvas') !== null && window.echarts"
        " && echarts.getMap('guangdong-schematic') !== undefined",
    )
    page.wait_for_timeout(300)
    box = page.evaluate(EXTREMES)
    page.screenshot(path=str(tmp_path / f"map-{viewport['width']}.png"))
    context.close()
    assert refused == [], refused
    assert box["left"] >= 0 and box["right"] <= box["width"], box
    assert box["top"] >= 0 and box["bottom"] <= box["height"], box
    # and the province uses the width it has, not a thumbnail
    assert box["right"] - box["left"] >= 0.6 * min(box["width"], 1.6 * box["height"]), box
