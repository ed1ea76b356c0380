//! Which way a finger moved on a touch screen: the pure half of the app's swipes (the DOM
//! half is in the app's `gesture` module).

/// The least travel, in CSS px, that counts as a swipe.
const MIN_TRAVEL: i32 = 50;

/// Which way a touch went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Way {
    /// A tap, a short move, or a diagonal one.
    None,
    /// To the left.
    Left,
    /// To the right.
    Right,
    /// Down (a photo viewer closes on it).
    Down,
}

/// The way a touch that moved by (`dx`, `dy`) went: a swipe travels at least 50 CSS px
/// and mostly along one axis (twice as far as across it). An upward move is a scroll.
pub fn way(dx: i32, dy: i32) -> Way {
    if dx.abs() >= MIN_TRAVEL && dx.abs() >= 2 * dy.abs() {
        if dx < 0 {
            Way::Left
        } else {
            Way::Right
        }
    } else if dy >= MIN_TRAVEL && dy >= 2 * dx.abs() {
        Way::Down
    } else {
        Way::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_swipe_goes_far_enough_and_mostly_one_way() {
        let cases = [
            ((-120, 10), Way::Left),
            ((120, -30), Way::Right),
            ((10, 140), Way::Down),
            // Too short: a tap or a wobble.
            ((-40, 0), Way::None),
            ((0, 49), Way::None),
            // Diagonal: neither.
            ((80, 60), Way::None),
            ((-60, 100), Way::None),
            // Up is a scroll.
            ((0, -200), Way::None),
        ];
        for ((dx, dy), expected) in cases {
            assert_eq!(way(dx, dy), expected, "({dx}, {dy})");
        }
    }
}
