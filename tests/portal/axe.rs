//! Accessibility checks with axe-core (WCAG 2.1 A and AA rules) in the real browser, at
//! a phone's width and a desktop's. axe-core comes from npm: `.ci/run` installs it under
//! `target/axe-core` (or name the file with `RIGHTSDESK_AXE_JS`).

use fantoccini::Client;
use serde_json::Value;

/// Where axe-core's script is.
fn axe_source() -> String {
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
  .then(r => done(r.violations.map(v =>
      v.id + ": " + v.help + " at " + v.nodes.map(n => n.target.join(" ")).join(", "))))
  .catch(e => done(["axe could not run: " + e]));
"#;

/// The page the browser shows has no axe violation at 390 px (a phone) nor at 1280 px.
pub async fn assert_accessible(browser: &Client, what: &str) {
    let source = axe_source();
    for (width, height) in [(390, 844), (1280, 900)] {
        browser.set_window_size(width, height).await.unwrap();
        browser.execute(&source, vec![]).await.unwrap();
        let violations = browser.execute_async(RUN, vec![]).await.unwrap();
        let violations: Vec<Value> = serde_json::from_value(violations).unwrap();
        assert!(
            violations.is_empty(),
            "{what} at {width} px: {violations:#?}"
        );
    }
}
