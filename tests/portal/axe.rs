//! Accessibility checks with axe-core (WCAG 2.1 A and AA rules) in the real browser, at
//! a phone's width and a desktop's. axe-core comes from npm: `.ci/run` installs it under
//! `target/axe-core` (or name the file with `RIGHTSDESK_AXE_JS`).

use fantoccini::Client;
use serde_json::Value;

/// axe-core's script, from where `.ci/run` installs it.
pub fn source() -> String {
    let path = std::env::var_os("RIGHTSDESK_AXE_JS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("target/axe-core/node_modules/axe-core/axe.min.js")
        });
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "axe-core is needed for the accessibility checks ({}: {e}); \
             run `npm install --prefix target/axe-core axe-core`",
            path.display()
        )
    })
}

const RUN: &str = r#"
const done = arguments[arguments.length - 1];
axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } })
  .then(r => done({
      passes: r.passes.length,
      violations: r.violations.map(v =>
          v.id + ": " + v.help + " at " + v.nodes.map(n => n.target.join(" ")).join(", ")),
  }))
  .catch(e => done({ passes: 0, violations: ["axe could not run: " + e] }));
"#;

/// The WCAG 2.1 A and AA violations axe-core finds on the page the browser shows, at
/// its present width. `source` is axe-core's script ([`source`]).
pub async fn violations(browser: &Client, source: &str) -> Vec<String> {
    browser.execute(source, vec![]).await.unwrap();
    let found: Value = browser.execute_async(RUN, vec![]).await.unwrap();
    // A run that checked nothing would pass anything: it must have passed some rules.
    assert!(
        found["passes"].as_u64().is_some_and(|n| n > 0),
        "axe-core ran no rule: {found}"
    );
    serde_json::from_value(found["violations"].clone()).unwrap()
}

/// The page the browser shows has no axe violation at 390 px (a phone) nor at 1280 px.
pub async fn assert_accessible(browser: &Client, what: &str) {
    let source = source();
    for (width, height) in [(390, 844), (1280, 900)] {
        browser.set_window_size(width, height).await.unwrap();
        let found = violations(browser, &source).await;
        assert!(found.is_empty(), "{what} at {width} px: {found:#?}");
    }
}
