//! Horizontal swipes on touch screens (the conversations drawer, the lightbox).

use leptos::prelude::*;

/// The least horizontal travel, in CSS px, that counts as a swipe.
const MIN_TRAVEL: i32 = 50;

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

    /// Call from `touchend`: -1 for a swipe to the left, 1 to the right, 0 for anything
    /// else (a tap, a short or mostly vertical move, which is a scroll).
    pub fn end(&self, ev: &leptos::ev::TouchEvent) -> i32 {
        let (Some((x0, y0)), Some(end)) = (self.0.get_value(), ev.changed_touches().get(0)) else { return 0 };
        self.0.set_value(None);
        let (dx, dy) = (end.client_x() - x0, end.client_y() - y0);
        if dx.abs() < MIN_TRAVEL || dx.abs() < 2 * dy.abs() {
            0
        } else {
            dx.signum()
        }
    }
}
