//! What the user is told: short notices at the foot of the screen ("Đã
//! lưu: …", an error that stays until closed, "Hoàn tác" after a delete).
//! Their state and rules live here; the concerns that tell the user hold a
//! copy, and the shell shows them (`use_notices`).

use leptos::prelude::*;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub id: u64,
    pub text: String,
    pub error: bool,
    /// Offer "Hoàn tác" for this deleted record.
    pub undo: Option<Uuid>,
}

/// The notices shown. Copy: a reactive handle.
#[derive(Clone, Copy)]
pub struct Notices {
    list: RwSignal<Vec<Notice>>,
    next: StoredValue<u64>,
}

impl Notices {
    pub fn new() -> Notices {
        Notices {
            list: RwSignal::new(vec![]),
            next: StoredValue::new(0),
        }
    }

    /// The notices shown, oldest first (reactive).
    pub fn shown(&self) -> Vec<Notice> {
        self.list.get()
    }

    /// Tell the user something; a plain notice goes after 10 seconds, an
    /// error stays until it is closed (it may say that work is at risk).
    pub fn notify(&self, text: impl Into<String>, error: bool, undo: Option<Uuid>) {
        let text = text.into();
        let id = self.next.get_value();
        self.list.update(|n| {
            // The same message again (a repeated failure, a second click)
            // replaces the one shown, with a fresh timer.
            n.retain(|x| undo.is_some() || x.text != text || x.error != error);
            n.retain(|x| x.undo.is_none() || undo.is_none());
            // They cover the bottom of a small screen: past two, the oldest
            // plain notice makes room, and never more than three.
            if n.len() >= 2 {
                if let Some(i) = n.iter().position(|x| !x.error && x.undo.is_none()) {
                    n.remove(i);
                }
            }
            // Never more than three: the oldest plain one goes first; an
            // error (work at risk) only when nothing else can.
            if n.len() >= 3 {
                let i = n.iter().position(|x| !x.error).unwrap_or(0);
                n.remove(i);
            }
            n.push(Notice {
                id,
                text,
                error,
                undo,
            });
        });
        self.next.set_value(id + 1);
        if !error {
            let this = *self;
            set_timeout(move || this.dismiss(id), std::time::Duration::from_secs(10));
        }
    }

    pub fn dismiss(&self, notice: u64) {
        self.list.update(|n| n.retain(|x| x.id != notice));
    }

    /// The "Hoàn tác" offer for a record goes once it is taken.
    pub fn withdraw_undo(&self, record: Uuid) {
        self.list.update(|n| n.retain(|x| x.undo != Some(record)));
    }
}

impl Default for Notices {
    fn default() -> Self {
        Notices::new()
    }
}

pub fn use_notices() -> Notices {
    expect_context::<Notices>()
}
