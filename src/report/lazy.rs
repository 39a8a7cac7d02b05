//! A plan's recipes as template values made one field at a time.
//!
//! A chain event's plan has hundreds of recipes with a dozen ingredient lines each, every
//! line a dozen fields. Made into template values all at once, the recipes were a quarter of
//! the memory a night's rendering touched for the first time, while the sheets read half the
//! fields of each line. Here a row is a template object over the plan itself: reading
//! `line.name` makes that one value, from the row's own `Serialize` (so the fields, their names
//! and the ones left out are exactly the plan JSON's).

use std::fmt;
use std::sync::Arc;

use minijinja::Value;
use minijinja::value::{Enumerator, Object, ObjectRepr, Serde};
use serde::Serialize;
use serde::ser::{self, Impossible, SerializeStruct};

use crate::plan::PlanResult;
use crate::plan::result::{RecipeLineRow, RecipeRow};

/// Where a list of rows is in a plan, given the index of the row that holds it (ignored for
/// the plan's own lists).
type At<T> = fn(&PlanResult, usize) -> &[T];

/// A row that templates read field by field. Its `Serialize` must write a plain struct (no
/// `flatten`): another row would be converted whole for every field read. Worth it only for
/// rows the templates read a few fields of: shopping lines made this way (the shopping list
/// reads most of their fields, the summary filters them) made the ¼ chain's night 4% slower.
pub(super) trait Lazy: Serialize + Send + Sync + Sized + 'static {
    /// Field `name` of row `index` when it is a list of rows to read field by field too.
    fn nested(_plan: &Arc<PlanResult>, _index: usize, _name: &str) -> Option<Value> {
        None
    }
}

impl Lazy for RecipeRow {
    fn nested(plan: &Arc<PlanResult>, index: usize, name: &str) -> Option<Value> {
        (name == "ingredients").then(|| table(plan, index, |p, r| &p.recipes[r].ingredients))
    }
}

impl Lazy for RecipeLineRow {}

/// A list of the plan's rows (`at`, within row `parent` of the list that holds it) as a
/// template sequence.
pub(super) fn table<T: Lazy>(plan: &Arc<PlanResult>, parent: usize, at: At<T>) -> Value {
    Value::from_object(Table {
        plan: Arc::clone(plan),
        at,
        parent,
    })
}

struct Table<T: 'static> {
    plan: Arc<PlanResult>,
    at: At<T>,
    parent: usize,
}

impl<T> Table<T> {
    fn rows(&self) -> &[T] {
        (self.at)(&self.plan, self.parent)
    }
}

// Not derived: that would print the whole plan (megabytes) wherever a template value is
// debugged.
impl<T> fmt::Debug for Table<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Table({} rows)", self.rows().len())
    }
}

impl<T: Lazy> Object for Table<T> {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let index = key.as_usize()?;
        (index < self.rows().len()).then(|| {
            Value::from_object(Record {
                table: Arc::clone(self),
                index,
            })
        })
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(self.rows().len())
    }
}

/// One row of a [`Table`].
struct Record<T: 'static> {
    table: Arc<Table<T>>,
    index: usize,
}

impl<T> Record<T> {
    fn row(&self) -> &T {
        &self.table.rows()[self.index]
    }
}

impl<T> fmt::Debug for Record<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Record({} of {:?})", self.index, self.table)
    }
}

impl<T: Lazy> Object for Record<T> {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let name = key.as_str()?;
        T::nested(&self.table.plan, self.index, name).or_else(|| pick(self.row(), name))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        keys(self.row())
    }
}

/// Field `name` of a row as its `Serialize` writes it (`None` when it writes no such field).
fn pick<T: Serialize>(row: &T, name: &str) -> Option<Value> {
    let mut walk = Walk::new(Some(name));
    match row.serialize(&mut walk) {
        Ok(()) | Err(Stop::Found) => walk.found,
        // Not written as a plain struct: look the field up in the whole value.
        Err(Stop::NotAStruct) => Value::from(Serde(row))
            .get_attr(name)
            .ok()
            .filter(|v| !v.is_undefined()),
    }
}

/// The fields a row's `Serialize` writes, in its order.
fn keys<T: Serialize>(row: &T) -> Enumerator {
    let mut walk = Walk::new(None);
    match row.serialize(&mut walk) {
        Ok(()) | Err(Stop::Found) => {
            Enumerator::Values(walk.keys.into_iter().map(Value::from).collect())
        }
        Err(Stop::NotAStruct) => Value::from(Serde(row))
            .try_iter()
            .map_or(Enumerator::Empty, |keys| Enumerator::Values(keys.collect())),
    }
}

/// A serializer that only walks a struct's fields: it keeps the value of the field it is
/// asked for (converting nothing else), or the names of all of them.
struct Walk<'a> {
    wanted: Option<&'a str>,
    found: Option<Value>,
    keys: Vec<&'static str>,
}

impl<'a> Walk<'a> {
    /// A walk for field `wanted`, or for the names of all fields.
    fn new(wanted: Option<&'a str>) -> Self {
        Walk {
            wanted,
            found: None,
            keys: Vec::new(),
        }
    }
}

/// Why a [`Walk`] stops before the row's end.
#[derive(Debug, thiserror::Error)]
enum Stop {
    /// The row is not a plain struct.
    #[error("not a struct")]
    NotAStruct,
    /// The wanted field is found: the fields after it are not looked at.
    #[error("found")]
    Found,
}

impl ser::Error for Stop {
    fn custom<M: fmt::Display>(_: M) -> Self {
        Stop::NotAStruct
    }
}

impl SerializeStruct for &mut Walk<'_> {
    type Ok = ();
    type Error = Stop;

    fn serialize_field<F: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &F,
    ) -> Result<(), Stop> {
        match self.wanted {
            Some(wanted) if wanted == key => {
                self.found = Some(Value::from(Serde(value)));
                return Err(Stop::Found);
            }
            Some(_) => {}
            None => self.keys.push(key),
        }
        Ok(())
    }

    fn end(self) -> Result<(), Stop> {
        Ok(())
    }
}

/// Every kind of value but a struct is [`Stop::NotAStruct`].
macro_rules! not_a_struct {
    ($($name:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $name(self, $(_: $arg),*) -> Result<(), Stop> { Err(Stop::NotAStruct) })*
    };
}

impl ser::Serializer for &mut Walk<'_> {
    type Ok = ();
    type Error = Stop;
    type SerializeSeq = Impossible<(), Stop>;
    type SerializeTuple = Impossible<(), Stop>;
    type SerializeTupleStruct = Impossible<(), Stop>;
    type SerializeTupleVariant = Impossible<(), Stop>;
    type SerializeMap = Impossible<(), Stop>;
    type SerializeStruct = Self;
    type SerializeStructVariant = Impossible<(), Stop>;

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, Stop> {
        Ok(self)
    }

    not_a_struct!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
        serialize_unit_variant(&'static str, u32, &'static str),
    );

    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<(), Stop> {
        Err(Stop::NotAStruct)
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<(), Stop> {
        Err(Stop::NotAStruct)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Stop> {
        Err(Stop::NotAStruct)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Stop> {
        Err(Stop::NotAStruct)
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Stop> {
        Err(Stop::NotAStruct)
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Stop> {
        Err(Stop::NotAStruct)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Stop> {
        Err(Stop::NotAStruct)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Stop> {
        Err(Stop::NotAStruct)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Stop> {
        Err(Stop::NotAStruct)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use minijinja::{Environment, context};

    use super::*;

    /// Every event of the sample catalogue, planned.
    fn sample_plans() -> Vec<PlanResult> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sample");
        let loaded = crate::catalog::load::load(&dir, crate::catalog::load::LoadOptions::default())
            .expect("the sample loads");
        let plans: Vec<PlanResult> = loaded
            .catalog
            .events
            .values()
            .map(|event| {
                crate::plan::compute(&crate::plan::Snapshot {
                    plan: crate::plan::PlanMeta::default(),
                    catalog: crate::catalog::reach::subset(&loaded.catalog, event),
                })
                .expect("plan")
            })
            .collect();
        assert!(
            plans
                .iter()
                .any(|p| p.recipes.iter().any(|r| r.made_ahead.is_none()))
        );
        assert!(plans.iter().any(|p| p.recipes.len() > 1));
        assert!(
            plans
                .iter()
                .any(|p| p.shopping.len() > 1 && p.batches.len() > 1)
        );
        plans
    }

    #[test]
    fn recipes_made_field_by_field_render_as_the_whole_list_does() {
        // Fields read one by one, missing ones, whole rows and lists printed, filters
        // over the sequences, negative indexes and slices.
        let template = "{{ recipes | length }} {{ recipes[-1].name }} {{ recipes[0] }}\n\
            {% for r in recipes %}{{ loop.index }} {{ r.recipe }} {{ r.batches }} \
            {{ r.made_ahead is defined }} {{ r.made_ahead }} {{ r.nothing is defined }} \
            {{ r.made_on }} {{ r.yields }} {{ r.components }} \
            {% if r.ingredients %}{{ r.ingredients | length }} \
            {% for line in r.ingredients %}{{ line.name }} {{ line.kitchen_qty }} \
            {{ line.kitchen_unit }} {{ line.note or '-' }} {{ line }} {% endfor %}\
            {{ r.ingredients | map(attribute='qty') | list }} {{ r.ingredients[-1] }}\
            {% endif %}{{ r | list }} {{ r | items | list | length }}\n{% endfor %}\
            {{ recipes | selectattr('is_component') | map(attribute='name') | join(',') }} \
            {{ recipes[1:] | map(attribute='recipe') | list }} {{ recipes }}";
        let env = Environment::new();
        for plan in sample_plans() {
            let plan = Arc::new(plan);
            let lazy = env
                .render_str(
                    template,
                    context! { recipes => table(&plan, 0, |p, _| &p.recipes) },
                )
                .expect("lazy");
            let whole = env
                .render_str(template, context! { recipes => Serde(&plan.recipes) })
                .expect("whole");
            assert_eq!(lazy, whole);
        }
    }

    #[test]
    fn a_row_that_is_not_a_plain_struct_is_looked_up_whole() {
        let row = std::collections::BTreeMap::from([("a", 1), ("b", 2)]);
        assert_eq!(pick(&row, "b"), Some(Value::from(2)));
        assert_eq!(pick(&row, "c"), None);
        match keys(&row) {
            Enumerator::Values(keys) => assert_eq!(keys, vec![Value::from("a"), Value::from("b")]),
            _ => panic!("keys"),
        }
    }
}
