//! The starter catalogue `bakeplan init` writes: small, realistic, and valid.

/// File name and contents of each starter file.
pub const FILES: &[(&str, &str)] = &[
    (
        "settings.yaml",
        include_str!("../fixtures/starter/settings.yaml"),
    ),
    (
        "ingredients.yaml",
        include_str!("../fixtures/starter/ingredients.yaml"),
    ),
    (
        "materials.yaml",
        include_str!("../fixtures/starter/materials.yaml"),
    ),
    (
        "products.yaml",
        include_str!("../fixtures/starter/products.yaml"),
    ),
    (
        "inventory.yaml",
        include_str!("../fixtures/starter/inventory.yaml"),
    ),
    (
        "recipes.yaml",
        include_str!("../fixtures/starter/recipes.yaml"),
    ),
    (
        "bundles.yaml",
        include_str!("../fixtures/starter/bundles.yaml"),
    ),
    (
        "events.yaml",
        include_str!("../fixtures/starter/events.yaml"),
    ),
];
