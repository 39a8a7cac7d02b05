//! Fuzzes rendering every built-in report with a hostile context: the starter catalogue
//! with the fuzz input written into every free-text field (names, notes, categories,
//! instructions, brands, locations, currency), then one built-in per-plan report of one event
//! rendered (the first two bytes choose which). Rendering must not panic, and no HTML report
//! may contain a script, image, frame or event handler (the templates have none).

use std::path::Path;
use std::sync::Arc;

use bakeplan::catalog::Catalog;
use bakeplan::plan::{PlanMeta, Snapshot, compute};
use bakeplan::report::{Format, Per, Reports};

/// Longest hostile string written into a field, in bytes.
const MAX_WORD: usize = 512;

/// `text` cut to at most `max` bytes, at a character boundary.
fn clip(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn hostile(catalog: &Catalog, words: &[String]) -> Catalog {
    let mut c = catalog.clone();
    let mut next = words.iter().cycle();
    let mut word = || next.next().cloned().unwrap_or_default();
    c.settings.currency = word();
    for i in c.ingredients.values_mut() {
        i.name = word();
        i.category = word();
    }
    for m in c.materials.values_mut() {
        m.name = word();
    }
    for p in c.products.iter_mut() {
        p.name = word();
        p.brand = Some(word());
    }
    for s in c.inventory.iter_mut() {
        s.location = Some(word());
    }
    for r in c.recipes.values_mut() {
        r.name = word();
        r.category = word();
        r.notes = Some(word());
        for y in r.yields.iter_mut() {
            y.name = word();
        }
        for l in r.ingredients.iter_mut() {
            l.note = Some(word());
        }
    }
    for b in c.bundles.values_mut() {
        b.name = word();
        b.instructions = Some(word());
    }
    for e in c.events.values_mut() {
        e.name = word();
    }
    c
}

fn main() {
    let starter = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/starter");
    let catalog = bakeplan::check(&starter, Default::default())
        .expect("the starter catalogue loads")
        .catalog;
    let reports = Reports::load(None).expect("built-in reports");
    let per_plan: Vec<_> = reports
        .manifests()
        .iter()
        .filter(|m| m.per == Per::Plan)
        .cloned()
        .collect();
    // The template environment holds boxed closures; a panic aborts the fuzz run anyway.
    let reports = std::panic::AssertUnwindSafe(reports);
    let events: Vec<String> = catalog.events.keys().cloned().collect();
    afl::fuzz!(|data: &[u8]| {
        // The first two bytes choose the event and the report, so one execution renders one
        // page (the fuzzer explores the choice as it explores the text): an order of
        // magnitude more executions a second than rendering every page every time.
        let [event_byte, report_byte, rest @ ..] = data else {
            return;
        };
        let slug = &events[usize::from(*event_byte) % events.len()];
        let manifest = &per_plan[usize::from(*report_byte) % per_plan.len()];
        let text = String::from_utf8_lossy(rest);
        // Each word lands in hundreds of fields: a 30 KB word copied into all of them and
        // rendered was most of an execution's time. Escaping bugs show in short strings;
        // long outputs are the output cap's business (tested in the report module).
        let words: Vec<String> = text.split('\0').map(|w| clip(w, MAX_WORD).to_owned()).collect();
        let mut subset = hostile(&catalog, &words);
        subset.events.retain(|s, _| s == slug);
        let snapshot = Snapshot {
            plan: PlanMeta {
                id: 1,
                created_at: "2026-12-01T00:00:00Z".to_owned(),
                input_hash: "fuzz".to_owned(),
                engine_version: "fuzz".to_owned(),
            },
            catalog: subset,
        };
        let Ok(plan) = compute(&snapshot) else {
            return;
        };
        let context = bakeplan::report::plan_context(Arc::new(plan));
        let Ok((_, bytes)) = reports.render(manifest, context) else {
            return;
        };
        if manifest.format == Format::Html {
            // The templates hold no script, image, frame or event handler: any in the page
            // came from a hostile string that escaped escaping. (Checking for the hostile
            // string itself gives false alarms: an escaped name followed by the template's
            // own `</td>` can spell it.)
            let page = String::from_utf8_lossy(&bytes).to_ascii_lowercase();
            for injected in ["<script", "<img", "<svg", "<iframe", " onerror=", " onload=", "javascript:"] {
                assert!(!page.contains(injected), "{injected} in {}", manifest.name);
            }
        }
    });
}
