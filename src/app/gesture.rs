//! Swipes on touch screens (the conversations drawer, the lightbox).

use leptos::prelude::*;

use crate::gesture::way;
pub use crate::gesture::Way;

/// Where a touch started; [`Swipe::end`] says which way it went, if it was a swipe.
#[derive(Clone, Copy)]
pub struct Swipe(StoredValue<Option<(i32, i32)>>);

impl Swipe {
    pub fn new() -> Self {
        Self(StoredValue::new(None))
    }

    /// Call from `touchstart`.
    pub fn start(&self, ev: &leptos::ev::TouchEvent) {
        self.0.set_value(ev.touches().get(0).map(|t| (t.client_x(), t.client_y())));
    }

    /// Call from `touchend`: the way the touch went (see [`way`]).
    pub fn end(&self, ev: &leptos::ev::TouchEvent) -> Way {
        let (Some((x0, y0)), Some(end)) = (self.0.get_value(), ev.changed_touches().get(0)) else { return Way::None };
        self.0.set_value(None);
        way(end.client_x() - x0, end.client_y() - y0)
    }
}
