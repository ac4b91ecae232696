//! The test catalog: the starter set on first start, admins' tests, search,
//! and deletion of a test no order uses (a used one is deactivated instead).
//! Every admin change goes to the admin audit log through the outbox.

use hms_kit::admin_audit::{ADMIN_ACTION_TOPIC, AdminActionEvent};
use hms_kit::auth::Caller;
use hms_kit::error::{internal, refusal};
use hms_kit::ids::new_id;
use hms_kit::outbox::Event;
use hms_kit::time::now_micros;
use tonic::{Code, Status};

use super::{ATTEMPTS, State, contended, judging};
use crate::store::{PageOf, ParameterDoc, Store, StoreError, TestDoc, Versioned};

/// A test as an admin writes it.
pub struct NewTest {
    pub code: String,
    pub name: String,
    pub sample_type: String,
    pub turnaround_hours: i64,
    pub price: i64,
    pub currency: String,
    pub parameters: Vec<ParameterDoc>,
    pub active: bool,
}

fn test_not_found() -> Status {
    Status::not_found("no such lab test")
}

fn code_taken(e: StoreError) -> Status {
    match e {
        StoreError::AlreadyExists => refusal(Code::AlreadyExists, "CODE_TAKEN", "another lab test has this code"),
        e => e.into(),
    }
}

/// What the admin log shows of a test: the catalog's own facts.
fn summary(t: &TestDoc) -> String {
    format!(
        "{} {} ({}), {} parameter(s), {} {}, {} h, {}",
        t.code,
        t.name,
        t.sample_type,
        t.parameters.len(),
        t.price,
        t.currency,
        t.turnaround_hours,
        if t.active { "active" } else { "inactive" }
    )
}

fn push_action(doc: &mut TestDoc, id: &str, action: &AdminActionEvent) -> Result<(), Status> {
    let event = Event::new(ADMIN_ACTION_TOPIC, id, action).map_err(internal)?;
    doc.outbox.push(event).map_err(internal)
}

impl State {
    /// Loads the starter catalog into an empty one. Replicas starting
    /// together insert the same codes; the code index lets one win each.
    pub async fn seed_catalog(&self) -> anyhow::Result<usize> {
        if self.store.any_test().await? {
            return Ok(0);
        }
        let mut added = 0;
        for doc in judging::starter_tests(now_micros())? {
            match self.store.insert_test(&new_id(), &doc).await {
                Ok(_) => added += 1,
                Err(StoreError::AlreadyExists) => {}
                Err(e) => anyhow::bail!("loading the starter lab catalog: {e}"),
            }
        }
        tracing::info!(tests = added, "starter lab catalog loaded");
        Ok(added)
    }

    /// Active tests (admins: all) whose code or a word of whose name starts
    /// with `query`, in name order.
    pub async fn find_tests(
        &self,
        query: &str,
        include_inactive: bool,
        after: Option<String>,
        limit: usize,
    ) -> Result<PageOf<TestDoc>, Status> {
        let prefix = query.trim().to_lowercase();
        let matches = |t: &TestDoc| {
            prefix.is_empty()
                || t.code.to_lowercase().starts_with(&prefix)
                || t.name_key.split(|c: char| !c.is_alphanumeric()).any(|word| word.starts_with(&prefix))
        };
        let all = self.store.all_tests().await?;
        let found = all.into_iter().filter(|t| (include_inactive || t.doc.active) && matches(&t.doc)).collect();
        Ok(Store::page_of_tests(found, after, limit))
    }

    pub async fn test(&self, id: &str) -> Result<Versioned<TestDoc>, Status> {
        self.store.test(id).await?.filter(|t| !t.doc.deleted).ok_or_else(test_not_found)
    }

    pub async fn add_test(&self, c: &Caller, new: NewTest) -> Result<Versioned<TestDoc>, Status> {
        let id = new_id();
        let mut doc = TestDoc {
            name_key: new.name.to_lowercase(),
            code: new.code,
            name: new.name,
            sample_type: new.sample_type,
            turnaround_hours: new.turnaround_hours,
            price: new.price,
            currency: new.currency,
            parameters: new.parameters,
            active: new.active,
            in_use: false,
            deleted: false,
            created_at: now_micros(),
            revision: 1,
            outbox: Default::default(),
        };
        let mut action = AdminActionEvent::by(&c.principal, &c.address, "lab_test.created", "lab_test", &id);
        action.after = summary(&doc);
        push_action(&mut doc, &id, &action)?;
        self.store.insert_test(&id, &doc).await.map_err(code_taken)
    }

    /// Replaces a test an admin read at `revision`. Orders placed before
    /// keep the terms they were placed with.
    pub async fn update_test(
        &self,
        c: &Caller,
        id: &str,
        new: NewTest,
        revision: i64,
    ) -> Result<Versioned<TestDoc>, Status> {
        for attempt in 0..ATTEMPTS {
            let current = self.test(id).await?;
            if current.doc.revision != revision {
                return Err(StoreError::Conflict.into());
            }
            let mut next = TestDoc {
                name_key: new.name.to_lowercase(),
                code: new.code.clone(),
                name: new.name.clone(),
                sample_type: new.sample_type.clone(),
                turnaround_hours: new.turnaround_hours,
                price: new.price,
                currency: new.currency.clone(),
                parameters: new.parameters.clone(),
                active: new.active,
                ..current.doc.clone()
            };
            let mut action = AdminActionEvent::by(&c.principal, &c.address, "lab_test.updated", "lab_test", id);
            action.before = summary(&current.doc);
            action.after = summary(&next);
            push_action(&mut next, id, &action)?;
            match self.store.save_test(id, &next, current.version).await {
                Err(StoreError::Conflict) => contended(attempt).await,
                saved => return saved.map_err(code_taken),
            }
        }
        Err(StoreError::Conflict.into())
    }

    /// Deletes a test no order has used; a used one is refused
    /// (LAB_TEST_IN_USE): deactivate it instead.
    pub async fn delete_test(&self, c: &Caller, id: &str, revision: i64) -> Result<(), Status> {
        for attempt in 0..ATTEMPTS {
            let current = self.test(id).await?;
            if current.doc.revision != revision {
                return Err(StoreError::Conflict.into());
            }
            if current.doc.in_use {
                return Err(refusal(
                    Code::FailedPrecondition,
                    "LAB_TEST_IN_USE",
                    "lab orders use this test: deactivate it instead",
                ));
            }
            let mut tombstone = TestDoc {
                code: format!("{}~deleted~{id}", current.doc.code),
                active: false,
                deleted: true,
                ..current.doc.clone()
            };
            let mut action = AdminActionEvent::by(&c.principal, &c.address, "lab_test.deleted", "lab_test", id);
            action.before = summary(&current.doc);
            push_action(&mut tombstone, id, &action)?;
            // Conditional on the version read: an order that marked the test
            // in use meanwhile (or the relay delivering the test's events)
            // makes this fail, and the test is read again.
            match self.store.save_test(id, &tombstone, current.version).await {
                Err(StoreError::Conflict) => contended(attempt).await,
                saved => return saved.map(drop).map_err(Status::from),
            }
        }
        Err(StoreError::Conflict.into())
    }

    /// Marks the tests of a new order in use, refusing any that is inactive
    /// or gone. Conditional writes, so a concurrent delete either sees the
    /// mark or makes this order fail.
    pub(super) async fn use_tests(&self, ids: &[String]) -> Result<Vec<Versioned<TestDoc>>, Status> {
        let mut used = Vec::with_capacity(ids.len());
        for (n, id) in ids.iter().enumerate() {
            let mut done = None;
            for attempt in 0..ATTEMPTS {
                let unusable =
                    || hms_kit::error::invalid_field(&format!("test_ids[{n}]"), "is not an active test of the catalog");
                let test =
                    self.store.test(id).await?.filter(|t| t.doc.active && !t.doc.deleted).ok_or_else(unusable)?;
                if test.doc.in_use {
                    done = Some(test);
                    break;
                }
                match self.store.mark_test_in_use(&test).await {
                    Ok(saved) => {
                        done = Some(saved);
                        break;
                    }
                    Err(StoreError::Conflict) => contended(attempt).await,
                    Err(e) => return Err(e.into()),
                }
            }
            used.push(done.ok_or(StoreError::Conflict)?);
        }
        Ok(used)
    }
}
